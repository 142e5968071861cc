"""Helpers for the API's tests: tokens of an organisation, and reading answers."""

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

from undersigned.accounts.models import User
from undersigned.api.models import Scope
from undersigned.api.tokens import token_create
from undersigned.organisations.models import Organisation

EVERY_SCOPE = tuple(Scope.values)
PUBLIC_HEADERS = ("Cache-Control", "ETag", "Access-Control-Allow-Origin")

MakeToken = Callable[..., str]


@pytest.fixture
def make_token(organiser: User, organisation: Organisation) -> MakeToken:
    """A new token's secret: by default the organiser's, of their organisation, with
    every scope."""

    def make(
        scopes: tuple[str, ...] | list[str] = EVERY_SCOPE,
        *,
        organisation: Organisation = organisation,
        user: User = organiser,
        name: str = "CRM sync",
    ) -> str:
        _token, secret = token_create(
            organisation=organisation, user=user, name=name, scopes=list(scopes)
        )
        return secret

    return make


@pytest.fixture
def secret(make_token: MakeToken) -> str:
    return make_token()


def bearer(secret: str) -> dict[str, str]:
    """The header that sends a token."""
    return {"Authorization": f"Bearer {secret}"}


def get(path: str, secret: str = "", headers: dict[str, str] | None = None) -> Any:
    """The answer to a GET, with the token's header where one is given."""
    return Client().get(path, headers={**(bearer(secret) if secret else {}), **(headers or {})})


def walk(path: str, secret: str = "") -> Iterator[dict[str, Any]]:
    """Every page of a list, by following `_links.next.href` from `path`."""
    while path:
        response = get(path, secret)
        assert response.status_code == 200, (path, response.content[:500])
        page = response.json()
        yield page
        following = page["_links"].get("next")
        path = local(following["href"]) if following else ""


def local(href: str) -> str:
    """The path and query of one of the API's links, which are absolute (BASE_URL)."""
    assert href.startswith(settings.BASE_URL + "/api/v1/"), href
    parts = urlsplit(href)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def keys_in(value: Any) -> set[str]:
    """Every key of every object in a JSON document."""
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_in(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_in(item)}
    return set()
