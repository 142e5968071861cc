"""Sends a member whose organisation requires a second factor, and who has none, to set one up.

`access.role_or_404` raises `SecondFactorRequired` behind every organiser page of such an
organisation; this turns it into a redirect to the Security page with a message saying why.
Without this middleware the exception is still a 403: nothing of the organisation shows.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .access import SecondFactorRequired


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SecondFactorRequired):
            return None
        messages.warning(request, str(exception))
        return redirect("mfa_index")
