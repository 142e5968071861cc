"""Pages whose address holds a token tell the browser to send only our origin as Referer.

Everywhere else Referrer-Policy is SECURE_REFERRER_POLICY ("same-origin"): the whole
address goes with requests to us, nothing to other sites. A page such as /confirm/<token>/
would then send its token in the Referer of every stylesheet and script it loads, into the
access logs of every proxy in front of us. "no-referrer" would stop that but also make the
browser send `Origin: null` with the page's own form, which the origin check refuses;
"strict-origin" sends the origin alone, to us and to anyone.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

TOKEN_PAGES_POLICY = "strict-origin"  # noqa: S105 # nosec B105 # a Referrer-Policy


class TokenPagesReferrerPolicy:
    """Any view reached through a URL with a `token` argument gets TOKEN_PAGES_POLICY."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = request.resolver_match
        if match is not None and "token" in match.kwargs:
            response.headers["Referrer-Policy"] = TOKEN_PAGES_POLICY
        return response
