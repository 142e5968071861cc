"""How the organisers' API knows who asks: `Authorization: Bearer <token>`, one scope per
operation."""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from .models import ApiToken
from .tokens import token_allows, token_authenticate


class TokenRequest(HttpRequest):
    auth: ApiToken


class Token(HttpBearer):
    """A token of the organisation that holds `scope`; 401 for no token or a revoked one,
    403 for a token without the scope."""

    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(token)
        if found is None:
            return None
        if self.scope is not None and not token_allows(found, self.scope):
            raise HttpError(403, f"This token may not do this: it needs “{self.scope}”.")
        return found
