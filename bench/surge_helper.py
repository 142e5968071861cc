"""The inside of a site, for bench/surge.py: one long-lived process with the site's env.

    python bench/surge_helper.py        # reads one JSON request a line, answers one a line

Started by surge.py beside the servers so that every question about the database (how
many signatures are stored, the confirmation links of the pending ones, seeding millions
of rows in bulk, timing `letter_count_fresh`) costs a round trip, not a Django start-up.
It imports `undersigned` the way the servers do, so PYTHONPATH decides which source tree
it reads.
"""

import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

SEED_CHUNK = 500_000  # rows per INSERT ... SELECT statement (and transaction)
SEED_INSTITUTIONS = 500
# Rows in one step past which indexes are built after the rows, not row by row.
REBUILD_ABOVE = int(os.environ.get("SURGE_REBUILD_ABOVE", 500_000))
EVENT_DELTA = 30_000  # one aggregated event stands for this many seeded confirmations


def _letter(slug: str) -> Any:
    from undersigned.letters.models import Letter

    return Letter.objects.get(slug=slug)


def stored(slug: str) -> dict[str, int]:
    from django.db.models import Count, Q

    from undersigned.signing.models import Signature, State

    counts = Signature.objects.filter(letter__slug=slug).aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(state=State.PENDING)),
        counted=Count("pk", filter=Q(state=State.COUNTED)),
    )
    return {key: int(value) for key, value in counts.items()}


def tokens(slug: str, after_id: int, limit: int) -> dict[str, Any]:
    """Confirmation tokens of pending signatures with an id above `after_id`, oldest first."""
    from undersigned.signing.models import Signature
    from undersigned.signing.tokens import confirmation_token

    ids = list(
        Signature.objects.pending()
        .filter(letter__slug=slug, pk__gt=after_id)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return {
        "tokens": [confirmation_token(pk) for pk in ids],
        "last_id": ids[-1] if ids else after_id,
    }


def _version_id(letter: Any) -> int:
    from undersigned.letters.models import LetterVersion

    version = LetterVersion.objects.filter(letter=letter).order_by("-pk").first()
    if version is None:
        raise RuntimeError(f"letter {letter.slug} has no version")
    return int(version.pk)


def _seed_columns(letter: Any, tag: str, at: Any) -> tuple[list[str], list[str], list[Any]]:
    """Column names, SQL expressions of the series number n, and their parameters."""
    from django.db import connection

    from undersigned.signing.models import Signature

    given: dict[str, tuple[str, list[Any]]] = {
        "letter": ("%s", [letter.pk]),
        "letter_version": ("%s", [_version_id(letter)]),
        "name": ("'Seeded Signer ' || n", []),
        "email": ("''", []),
        # Zero-padded, so the unique index grows at its end instead of all over.
        "email_key": (
            "CAST(%s AS TEXT) || "
            + (
                "printf('%%010d', n)" if connection.vendor == "sqlite" else "lpad(n::text, 10, '0')"
            ),
            [f"seed-{tag}-"],
        ),
        "email_domain": ("'seed.example.edu'", []),
        "institution": (f"'University ' || (n %% {SEED_INSTITUTIONS})", []),
        "affiliation": (f"'University ' || (n %% {SEED_INSTITUTIONS})", []),
        "country": ("'United Kingdom'", []),
        "display": ("'full'", []),
        "level": ("'verified'", []),
        "state": ("'counted'", []),
        "created_at": ("%s", [at]),
        "confirmed_at": ("%s", [at]),
    }
    columns, expressions, params = [], [], []
    for field in Signature._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.name in given:
            expression, values = given[field.name]
        else:  # whatever a field added since has as its default
            expression, values = "%s", [field.get_db_prep_save(field.get_default(), connection)]
        expressions.append(expression)
        params.extend(values)
    return columns, expressions, params


def _secondary_indexes_drop(table: str) -> list[str]:
    """Drop the table's indexes that enforce nothing (not unique, not the primary key);
    return the statements that create them again, exactly as they were."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
        else:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
            )
        found = [(name, sql) for name, sql in cursor.fetchall() if "UNIQUE" not in sql.upper()]
        for name, _sql in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _name, sql in found]


def _foreign_key_checks_off() -> bool:
    """On PostgreSQL, as a superuser, skip the foreign-key triggers of the rows about to be
    inserted (they point at one letter and one version, which exist): one deferred check a
    row is most of the time of a bulk insert. False if not allowed."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def seed(slug: str, total: int) -> dict[str, Any]:
    """Bring the letter's counted, verified signatures up to `total` with INSERT ... SELECT
    over a generated series (a recursive CTE on SQLite, generate_series on PostgreSQL),
    with aggregated signature events (EVENT_DELTA each) and the 16 count shards set to the
    signatures, so that counts and `reconcile_counts` agree with the rows."""
    from django.db import connection, transaction

    from undersigned.signing.counts import SHARDS, _shards_create
    from undersigned.signing.models import CountShard, Signature, SignatureEvent

    letter = _letter(slug)
    started = time.monotonic()
    have = Signature.objects.counted().filter(letter=letter).count()
    missing = max(0, total - have)
    at = connection.ops.adapt_datetimefield_value(datetime.now(UTC))
    tag = uuid.uuid4().hex[:8]
    columns, expressions, params = _seed_columns(letter, tag, at)
    table = Signature._meta.db_table
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    select = ", ".join(expressions)
    sqlite = connection.vendor == "sqlite"
    if sqlite:  # room for the indexes while they grow by millions of rows
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    dropped = _secondary_indexes_drop(table) if missing >= REBUILD_ABOVE else []
    replica = not sqlite and missing >= REBUILD_ABOVE and _foreign_key_checks_off()
    for first in range(1, missing + 1, SEED_CHUNK):
        last = min(missing, first + SEED_CHUNK - 1)
        if sqlite:
            sql = (
                "WITH RECURSIVE s(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM s WHERE n < %s) "  # noqa: S608 (names from the model, values as parameters)
                f"INSERT INTO {table} ({column_list}) SELECT {select} FROM s"
            )
        else:
            sql = (
                f"INSERT INTO {table} ({column_list}) SELECT {select} "  # noqa: S608 (names from the model, values as parameters)
                "FROM generate_series(%s::bigint, %s::bigint) AS s(n)"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [first, last, *params] if sqlite else [*params, first, last])
    if replica:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
    inserted_at = time.monotonic()
    for statement in dropped:  # built once over all the rows: far faster than row by row
        with connection.cursor() as cursor:
            if not sqlite:
                cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(statement)
    indexed_at = time.monotonic()
    with transaction.atomic():
        events = []
        left = missing
        version = _version_id(letter)
        while left > 0:
            delta = min(EVENT_DELTA, left)
            left -= delta
            events.append(
                SignatureEvent(
                    letter=letter,
                    signature_id=-1,
                    letter_version_id=version,
                    kind="verified",
                    level="verified",
                    total_delta=delta,
                    verified_delta=delta,
                )
            )
        SignatureEvent.objects.bulk_create(events)
        _shards_create(letter)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id %% {SHARDS}, COUNT(*), "  # noqa: S608 (names from the model, values as parameters)
                "SUM(CASE WHEN level = 'verified' THEN 1 ELSE 0 END) "
                f"FROM {table} WHERE letter_id = %s AND state = 'counted' GROUP BY id %% {SHARDS}",
                [letter.pk],
            )
            by_shard = {int(s): (int(n), int(v)) for s, n, v in cursor.fetchall()}
        for shard in range(SHARDS):
            n, v = by_shard.get(shard, (0, 0))
            CountShard.objects.filter(letter=letter, shard=shard).update(signatures=n, verified=v)
    if not sqlite:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    rows = Signature.objects.count()
    return {
        "inserted": missing,
        "insert_seconds": inserted_at - started,
        "index_rebuild_seconds": indexed_at - inserted_at,
        "indexes_rebuilt": len(dropped),
        "foreign_key_triggers_skipped": replica,
        "seconds": time.monotonic() - started,
        "letter_signatures": have + missing,
        "table_rows": rows,
    }


def count_fresh(slug: str, repeat: int) -> dict[str, Any]:
    from undersigned.signing.counts import letter_count_fresh

    letter = _letter(slug)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        count = letter_count_fresh(letter.pk)
        times.append(time.perf_counter() - started)
    return {"times": sorted(times), "total": count.total}


def handle(request: dict[str, Any]) -> Any:
    operation = request.pop("op")
    if operation == "stored":
        return stored(**request)
    if operation == "tokens":
        return tokens(**request)
    if operation == "seed":
        return seed(**request)
    if operation == "count_fresh":
        return count_fresh(**request)
    if operation == "letter_id":
        return {"id": _letter(**request).pk}
    raise ValueError(f"unknown operation {operation!r}")


def main() -> None:
    import django

    django.setup()
    import undersigned

    print(json.dumps({"ready": True, "src": undersigned.__file__}), flush=True)
    from django.db import close_old_connections

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = {"ok": handle(json.loads(line))}
        except Exception as error:  # reported to the bench, which prints it
            answer = {"error": f"{type(error).__name__}: {error}"}
        finally:
            close_old_connections()
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
