"""Pages of a list by cursor (keyset pagination): each page starts after the last row of
the one before, found through an index, so the millionth signature costs what the first
does.

A cursor holds the last row's place in the order (its time, or its name, and its id), which
a public list must not tell: the signatures page shows no date and no id, and a letter with
count steps lists by name so that nobody learns who signed when. So a cursor is encrypted
and authenticated (AES-SIV, with a key derived from SECRET_KEY): opaque to the client, and
refused with a clear 400 when made up, cut short, or taken from another list or order. It
is deterministic, so a page keeps its bytes, its ETag, and its 304, from one second to the
next."""

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from ninja import Field, Schema
from ninja.errors import HttpError

PER_PAGE = 50
MAX_PER_PAGE = 500
REFUSED = "This cursor is not one this list gave."

Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_cursor: str | None
    size: int = PER_PAGE


class Paging(Schema):
    """The query of a list: where to start, and how many."""

    cursor: str = Field("", description="From the previous page's `_links.next`.")
    per_page: int = Field(PER_PAGE, ge=1, le=MAX_PER_PAGE)


def keyset_page(rows: QuerySet[Row], order: Sequence[str], paging: Paging, *, scope: str) -> Page:
    """One page of `rows` in `order` (field names, "-" for descending, the last one unique),
    after `paging.cursor`. `scope` names the list; with the order it ties a cursor to the
    list and order that gave it."""
    size = paging.per_page
    scope = f"{scope}:{','.join(order)}"
    after = _cursor_values(paging.cursor, scope, len(order))
    ordered = rows.order_by(*order)
    if after is not None:
        ordered = ordered.filter(_after(order, after))
    try:
        found = list(ordered[: size + 1])
    except (ValidationError, ValueError, TypeError) as refused:
        raise HttpError(400, REFUSED) from refused
    page, more = found[:size], len(found) > size
    last = page[-1] if page else None
    cursor = cursor_for(last, order, scope) if more and last is not None else None
    return Page(rows=page, next_cursor=cursor, size=size)


def _after(order: Sequence[str], values: list[Any]) -> Q:
    """Rows after `values` in `order`: (a > x) or (a = x and b > y) or …, and a ≥ x
    besides, which says the same and lets the database read it as a range of the index on
    the first column instead of filtering every row from the start."""
    condition = Q()
    for i, field in enumerate(order):
        name = field.lstrip("-")
        beyond = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": values[i]})
        equal = Q(**{order[j].lstrip("-"): values[j] for j in range(i)})
        condition |= equal & beyond
    first = order[0]
    bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return bound & condition


def _cipher() -> AESSIV:
    key = hashlib.sha512(f"undersigned.api.cursor:{settings.SECRET_KEY}".encode()).digest()
    return AESSIV(key)


def cursor_for(row: Model, order: Sequence[str], scope: str) -> str:
    """The cursor of the page after `row`, in a list of `scope` (with its order)."""
    values = []
    for field in order:
        value = getattr(row, field.lstrip("-"))
        values.append(value.isoformat() if hasattr(value, "isoformat") else value)
    plain = json.dumps([scope, values], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(_cipher().encrypt(plain, None)).decode().rstrip("=")


def _cursor_values(cursor: str, scope: str, size: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kept_scope, values = json.loads(_cipher().decrypt(sealed, None))
    except (InvalidTag, ValueError, TypeError) as refused:
        raise HttpError(400, REFUSED) from refused
    if kept_scope != scope or not isinstance(values, list) or len(values) != size:
        raise HttpError(400, REFUSED)
    return values
