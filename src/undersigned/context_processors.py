from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {"DEMO": settings.DEMO, "OUTBOX_PAGE_ENABLED": settings.OUTBOX_PAGE_ENABLED}
