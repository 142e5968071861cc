"""A letter's log as lib/merkle.py reads it: its perfect subtrees, from `LogNode` rows."""

from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from django.db import connection, models
from django.db.models import Q

from undersigned.lib.merkle import Frontier, Key

from .models import LogNode, LogState

ENTRY_COLUMNS = ("letter", "index", "entry", "leaf_hash", "event_id")
NODE_COLUMNS = ("letter", "level", "index", "hash")
COMMITMENT_COLUMNS = ("signature_id", "letter", "salt", "commitment", "created_at")
ROWS_A_STATEMENT = 1000
# A row of values ready for the database, in the order of its columns.
Row = tuple[Any, ...]

# Keys asked for in one query: a root or a proof asks about two per level, some 50 for a
# log of ten million entries, so this is one query every time.
KEYS_A_QUERY = 128


class StoredNodes:
    """`merkle.Nodes` over one letter's `LogNode` rows.

    Read with an OR of (level = ? AND index = ?), not a row-value IN: SQLite answers each
    term from the primary key (letter, level, index), as PostgreSQL does.
    """

    def __init__(self, letter_id: int) -> None:
        self.letter_id = letter_id

    def get(self, level: int, index: int) -> bytes:
        return self.get_many([(level, index)])[(level, index)]

    def get_many(self, keys: Sequence[Key]) -> dict[Key, bytes]:
        wanted = list(dict.fromkeys(keys))
        found: dict[Key, bytes] = {}
        for start in range(0, len(wanted), KEYS_A_QUERY):
            chunk = wanted[start : start + KEYS_A_QUERY]
            condition = reduce(or_, (Q(level=level, index=index) for level, index in chunk))
            rows = LogNode.objects.filter(condition, letter_id=self.letter_id)
            for level, index, hash_ in rows.values_list("level", "index", "hash"):
                found[(level, index)] = bytes(hash_)
        for key in wanted:
            if key not in found:
                raise KeyError(key)
        return found


HASH_SIZE = 32


def frontier_of(state: LogState) -> Frontier:
    raw = bytes(state.frontier)
    hashes = tuple(raw[i : i + HASH_SIZE] for i in range(0, len(raw), HASH_SIZE))
    if len(hashes) != state.size.bit_count() or len(raw) % HASH_SIZE:
        raise ValueError(f"the frontier of {state.log_id} does not fit its size {state.size}")
    return Frontier(state.size, hashes)


def frontier_bytes(frontier: Frontier) -> bytes:
    return b"".join(frontier.hashes)


def rows_insert(model: type[models.Model], fields: Sequence[str], rows: Sequence[Row]) -> None:
    """Insert rows whose values are ready for the database, many to a statement.

    An appending batch writes its rows so, not with bulk_create, which would prepare each
    value of each row inside the transaction, some 40 µs a row: on SQLite signing waits
    for that transaction's lock, so it holds it only as long as the database writes.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    concrete = {field.name: field.column for field in model._meta.concrete_fields}
    columns = ", ".join(quote(concrete[name]) for name in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or len(fields) * ROWS_A_STATEMENT
    per_statement = min(ROWS_A_STATEMENT, limit // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([one] * len(chunk))
            # Names from the model's own options, quoted by the database's rules; values bound.
            sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {values}"  # noqa: S608 # nosec B608
            cursor.execute(sql, [value for row in chunk for value in row])
