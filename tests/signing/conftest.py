"""Helpers for the signing tests that need real concurrency or a real server process."""

import io
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.core import mail
from django.core.management import call_command
from django.db import connection, connections

from undersigned.signing.tokens import confirmation_token

T = TypeVar("T")


def in_threads(count: int, work: Callable[[int], T]) -> list[T]:
    """Run work(0) … work(count - 1) at once, each in its own thread with its own connection.

    A barrier starts them together, so they meet in the database rather than one after
    another; each thread closes its connection, as a finished request would.
    """
    start = threading.Barrier(count)

    def run(index: int) -> T:
        try:
            start.wait(timeout=30)
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def confirm_path(signature_id: int) -> str:
    """The path of the link in the confirmation email for this signature."""
    return f"/confirm/{confirmation_token(signature_id)}/"


def confirm_path_in(message: mail.EmailMessage) -> str:
    match = re.search(r"http://\S+?(/confirm/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def cells_containing(text: str) -> list[str]:
    """Every "table.column" holding text in any row of any table, whatever app owns it.

    Read with plain SQL, so nothing a model hides (a serialized field, a table no model
    maps) escapes the search; case is ignored.
    """
    wanted = text.casefold()
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            # The names come from the database's own catalogue, quoted by its own rules.
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    if wanted in str(value).casefold():
                        found.append(f"{table}.{column}")
    return found


def reconcile(*args: str) -> str:
    """What `undersigned reconcile_counts` prints; it exits 1 (SystemExit) on drift with --check."""
    out = io.StringIO()
    call_command("reconcile_counts", *args, stdout=out)
    return out.getvalue()
