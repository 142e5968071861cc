"""The API (django-ninja): one OpenAPI 3.1 schema at /api/v1/openapi.json, built from the
typed operations themselves, with its browsable docs served from our own host."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaInvalid
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from undersigned.letters.takedowns import LetterTakenDown

from . import organiser, public
from .caching import schema_answer

DESCRIPTION = """
The public read API of undersigned: letters as [OSDI](https://opensupporter.github.io/osdi-docs/)
petitions, their counts and breakdowns, public signatures, updates, deliveries and answers,
with no key. The organisers' API (`/organisation/…`) takes a token of their organisation as
`Authorization: Bearer <token>`, created on the organisation's API tokens page.

Nothing here holds a signer's address, and a hidden name is always "Anonymous".
Public answers carry `ETag` (send `If-None-Match` for a `304`) and `Cache-Control`; lists
page by cursor: follow `_links.next.href`.
"""


UNAUTHENTICATED = "Send a token of your organisation: Authorization: Bearer <token>."


class ScopedSchema(OpenAPISchema):
    """The schema, with the scope each operation needs in its security requirement, as
    OpenAPI 3.1 lets a bearer scheme name roles: `[{"Token": ["signatures:read"]}]`."""

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        security = super().operation_security(operation)
        if not security:
            return security
        scopes = [
            scope for auth in operation.auth_callbacks if (scope := getattr(auth, "scope", None))
        ]
        return [{name: scopes for name in requirement} for requirement in security]


class Api(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ScopedSchema(self, path_prefix)


api = Api(
    title="undersigned API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-1",
    docs=Swagger(),
    docs_decorator=schema_answer,
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
api.add_router("", public.router)
api.add_router("", organiser.router)


@api.exception_handler(LetterTakenDown)
def taken_down(request: HttpRequest, exc: LetterTakenDown) -> HttpResponse:
    reason = exc.letter.get_takedown_reason_display()
    body = {"detail": f"This letter was taken down: {reason}", "taken_down": True, "reason": reason}
    return api.create_response(request, body, status=410)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {"detail": UNAUTHENTICATED}
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="undersigned"'
    return response


@api.exception_handler(organiser.Invalid)
def invalid(request: HttpRequest, exc: organiser.Invalid) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "errors": exc.errors}, status=422)


@api.exception_handler(SchemaInvalid)
def schema_invalid(request: HttpRequest, exc: SchemaInvalid) -> HttpResponse:
    """What does not fit the schema, one message per field, as every 422 of the API says."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        # ("body", "payload", "title") → "title"; ("query", "per_page") → "per_page".
        parts = [str(part) for part in error.get("loc", ())[1:]]
        where = ".".join(parts[1:] if parts[:1] == ["payload"] else parts) or "body"
        errors.setdefault(where, []).append(str(error.get("msg", "Invalid.")))
    detail = "; ".join(f"{where}: {' '.join(msgs)}" for where, msgs in errors.items())
    body: dict[str, Any] = {"detail": detail, "errors": errors}
    return api.create_response(request, body, status=422)
