"""Token scopes, for every operation of the schema: generated from the schema itself, so an
operation added later is tested by being added. Each operation with a security
requirement refuses no token (401) and a token with every scope but its own (403), and
lets its own scope through. The scope an operation needs is the one its security
requirement names, which must be the one the `Token(scope)` guarding it enforces."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import EVERY_SCOPE, MakeToken, bearer
from undersigned.api.api import UNAUTHENTICATED, api
from undersigned.api.auth import Token
from undersigned.letters.models import Letter

SCHEMA = api.get_openapi_schema()
COMPONENTS = SCHEMA.get("components", {}).get("schemas", {})
ANY_TOKEN = "any token of the organisation"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations() -> Iterator[Operation]:
    for path, methods in SCHEMA["paths"].items():
        for method, spec in methods.items():
            yield Operation(method, path, spec)


SECURED = [operation for operation in operations() if operation.spec.get("security")]


def scopes_by_operation_id() -> dict[str, str]:
    """The scope each guarded operation of the API needs, by its schema's operationId;
    ANY_TOKEN where its Token asks none."""
    found = {}
    api.get_openapi_schema()  # binds the routers
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                guards = [guard for guard in operation.auth_callbacks if isinstance(guard, Token)]
                if guards:
                    [guard] = guards
                    found[api.get_openapi_operation_id(operation)] = guard.scope or ANY_TOKEN
    return found


SCOPES = scopes_by_operation_id()


def scope_of(operation: Operation) -> str:
    """The scope the schema says the operation needs, checked against its guard."""
    [requirement] = operation.spec["security"]
    [(scheme, named)] = requirement.items()
    assert scheme == "Token", operation.label
    stated = str(named[0]) if named else ANY_TOKEN
    assert len(named) <= 1, f"{operation.label}: one scope an operation"
    operation_id = operation.spec["operationId"]
    assert operation_id in SCOPES, f"{operation.label}: guarded by something other than Token"
    assert stated == SCOPES[operation_id], f"{operation.label}: the schema says {stated}"
    return stated


def example(schema: dict[str, Any]) -> Any:
    """The smallest value that fits `schema`: a body each operation takes."""
    if "$ref" in schema:
        return example(COMPONENTS[schema["$ref"].rpartition("/")[2]])
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return example(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: example(properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return False
    text = "Scope test"
    return (text * 10)[
        : max(schema.get("minLength", 0), min(len(text), schema.get("maxLength", 99)))
    ]


def call(operation: Operation, letter: Letter, headers: dict[str, str]) -> Any:
    values = {"slug": letter.slug}
    path = operation.path
    for parameter in operation.spec.get("parameters", []):
        if parameter["in"] == "path":
            value = values.get(parameter["name"], example(parameter["schema"]))
            path = path.replace(f"{{{parameter['name']}}}", str(value))
    body = operation.spec.get("requestBody", {}).get("content", {}).get("application/json")
    send = getattr(Client(), operation.method)
    if body is None:
        return send(path, headers=headers)
    return send(path, example(body["schema"]), content_type="application/json", headers=headers)


def test_the_schema_has_operations_to_guard() -> None:
    assert len(SECURED) >= 5
    assert {scope_of(operation) for operation in SECURED} >= {ANY_TOKEN, *EVERY_SCOPE}


def test_every_organisers_operation_needs_a_token() -> None:
    for operation in operations():
        if operation.path.startswith("/api/v1/organisation/"):
            assert [*operation.spec.get("security", [{}])[0]] == ["Token"], operation.label
            assert {"401", "403"} <= set(map(str, operation.spec["responses"])), operation.label
        else:
            # Without a token, only reading.
            assert operation.method == "get", operation.label


def test_the_schema_names_the_scope_its_guard_enforces() -> None:
    for operation in SECURED:
        assert scope_of(operation) in {ANY_TOKEN, *EVERY_SCOPE}, operation.label


@pytest.mark.parametrize("operation", SECURED, ids=lambda operation: operation.label)
def test_every_operation_refuses_a_token_without_its_scope(
    operation: Operation, petition: Letter, make_token: MakeToken
) -> None:
    needed = scope_of(operation)
    others = [scope for scope in EVERY_SCOPE if scope != needed]

    refused = call(operation, petition, {})
    assert refused.status_code == 401, refused.content[:300]
    assert refused.json() == {"detail": UNAUTHENTICATED}

    if needed != ANY_TOKEN:
        without = call(operation, petition, bearer(make_token(others, name="All but one")))
        assert without.status_code == 403, without.content[:300]
        assert needed in without.json()["detail"]

    granted = [needed] if needed != ANY_TOKEN else [others[0]]
    allowed = call(operation, petition, bearer(make_token(granted, name="Just this")))
    assert allowed.status_code not in (401, 403), allowed.content[:300]
    assert allowed.status_code < 500
    assert str(allowed.status_code) in set(map(str, operation.spec["responses"]))
