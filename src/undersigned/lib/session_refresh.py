"""Sessions that end after a time without requests, saved again only every few minutes.

Django's SESSION_SAVE_EVERY_REQUEST would push a session's end back at each request, at the
cost of a write and a Set-Cookie on every one, the live count's poll every second included
(a response with Set-Cookie is kept by no cache). This saves a session, and so pushes its end
SESSION_COOKIE_AGE further, only when it was last saved more than SESSION_REFRESH_SECONDS
ago: a session ends between SESSION_COOKIE_AGE and that much more after the last request.
Put it after SessionMiddleware, so its answer is read before the session is saved.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

REFRESHED_KEY = "_refreshed_at"


class SessionRefresh:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response  # a visitor without a session gets none
        now = time.time()
        refreshed = session.get(REFRESHED_KEY, 0)
        if (
            not isinstance(refreshed, (int, float))
            or now - refreshed > settings.SESSION_REFRESH_SECONDS
        ):
            session[REFRESHED_KEY] = int(now)
        return response
