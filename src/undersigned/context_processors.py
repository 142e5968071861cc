from typing import Any

from django.conf import settings
from django.http import HttpRequest

from undersigned.lib.languages import page_languages

# Where a message goes with each backend EMAIL_URL can name; any other goes to a relay.
MAIL_KEPT = {
    "undersigned.mail.backends.OutboxBackend": "outbox",
    "django.core.mail.backends.console.EmailBackend": "console",
}


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "DEMO": settings.DEMO,
        "OUTBOX_PAGE_ENABLED": settings.OUTBOX_PAGE_ENABLED,
        "MAIL_GOES_TO": MAIL_KEPT.get(settings.EMAIL_BACKEND, "relay"),
        # Whether anyone may sign up as an organiser, or only someone an owner invited.
        "ORGANISER_SIGNUP": settings.ORGANISER_SIGNUP,
        # Whether an editor's Publish sends a letter to the platform's moderators first.
        "LETTERS_NEED_REVIEW": settings.LETTERS_NEED_REVIEW,
        # This page in each language of the site, for the switcher.
        "page_languages": lambda: page_languages(request),
    }
