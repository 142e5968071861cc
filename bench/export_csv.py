"""How long does the organiser's CSV (or XLSX) export of a million signatures take, and how
much memory does it need?

    uv run python bench/export_csv.py                          # SQLite, a million signatures
    uv run python bench/export_csv.py --database postgres      # a fresh PostgreSQL database
    uv run python bench/export_csv.py --database both          # one after the other
    uv run python bench/export_csv.py --signatures 100000 --via function
    uv run python bench/export_csv.py --format xlsx --database both

Sets up a throwaway site (SQLite in its data directory, or a PostgreSQL database created
beside the one --postgres-url names and dropped afterwards), an organisation and a published
letter anyone may sign that asks for an affiliation, a title, a country, a postal code and a
comment, and seeds --signatures counted signatures in one SQL statement (INSERT … SELECT over
a recursive CTE on SQLite, generate_series on PostgreSQL): plausible names, institutions,
countries, comments (one in thirteen waiting for a moderator), languages and sources, one in
ten anonymous and one in ten as initials. Each anonymous row keeps a name starting "Hidden"
in its name column, which the presenter must never show. Every other column of Signature
gets what Django would store for it by default, read from the model's fields, so a column
added later does not break the seed.

Then, in a fresh process, it exports them (--via view: the organiser's page through Django's
whole stack, logged in as a member; --via function: `signatories_csv`, or `xlsx_file` with
--format xlsx, alone). The CSV's streamed body goes to /dev/null; the workbook to a
temporary file, whose sheets are then read back as a zip stream. It prints the seconds, the
rows and bytes written, and the process's peak RSS (ru_maxrss, taken before the workbook is
read back) beside its RSS before the export, and checks that every row came out and that no
hidden name did. Prints numbers; asserts nothing.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from harness import PYTHON, machine_note, print_table, stop_all
from update_send import command_line, site_fresh, without_database

SLUG = "drop-the-camera-contract"
FIRST = ["Ada", "Bongani", "Chen", "Dolores", "Emeka", "Freya", "Giulia", "Hiroshi", "Ines"]
LAST = ["Okafor", "Lindqvist", "Nakamura", "García", "Müller", "O'Brien", "Kowalski", "Haddad"]
INSTITUTIONS = ["Stanford University", "University College London", "ETH Zürich", "", "", ""]
AFFILIATIONS = ["St Mary's Hospital", "Stanford", "Northwind Tenants' Union", "", "UCL"]
TITLES = ["Nurse", "Professor", "Software engineer", "", "Teacher", "=cmd|' /C calc'!A0"]
COUNTRIES = ["Ireland", "Kenya", "Japan", "Germany", "Brazil", "United States"]
COMMENTS = ["Drop the contract.", "", "", 'Cameras are no answer, "safety" or not.', ""]
# What the export's bytes are read in, by the workbook and by its check.
CHUNK_BYTES = 1 << 20


# Seeding ----------------------------------------------------------------------------------


def _choice(values: list[str], modulo_of: str) -> str:
    """A CASE picking one of `values` by the row number, as SQL both engines read."""
    whens = " ".join(
        f"WHEN {number} THEN '{value.replace(chr(39), chr(39) * 2)}'"
        for number, value in enumerate(values)
    )
    return f"CASE ({modulo_of}) % {len(values)} {whens} END"


def letter_create(slug: str = SLUG, organisation: Any = None) -> Any:
    """A published letter of `organisation`, or of a new one its owner (the organiser)
    has just created."""
    from undersigned.accounts.models import User
    from undersigned.letters.models import FieldRule, Letter, Target
    from undersigned.letters.publishing import letter_publish
    from undersigned.organisations.memberships import organisation_create

    if organisation is None:
        owner = User.objects.create_user("organiser@bench.example", "a long organiser password")
        organisation = organisation_create(
            name="Open Streets Alliance", owner=owner, contact_email="team@streets.example"
        )
    optional = FieldRule.OPTIONAL
    letter = Letter.objects.create(
        organisation=organisation,
        slug=slug,
        title="Drop the camera contract",
        body="We ask **Northwind** to drop the contract.",
        ask_affiliation=optional,
        ask_title=optional,
        ask_country=optional,
        ask_postal_code=optional,
        ask_comment=optional,
    )
    Target.objects.create(
        letter=letter, name="Dana Whitfield", role="CEO", organisation="Northwind Systems"
    )
    letter_publish(letter=letter)
    return letter


def signatures_seed(letter: Any, count: int) -> None:
    """`count` counted signatures of the letter, in one INSERT … SELECT.

    Every column of the model is written: the plausible values below where the seed has
    one, and for any other column (one added since) what Django would store for it by
    default (`column_defaults`), so that a new field does not break the seed."""
    from django.db import connection

    from undersigned.letters.models import LetterVersion
    from undersigned.signing.models import Signature

    postgres = connection.vendor == "postgresql"
    version = LetterVersion.objects.filter(letter=letter).order_by("-pk").values_list("pk")[0][0]
    i = "n.i"
    text = f"CAST({i} AS TEXT)"
    display = f"CASE {i} % 10 WHEN 3 THEN 'anonymous' WHEN 7 THEN 'initials' ELSE 'full' END"
    full_name = f"{_choice(FIRST, i)} || ' ' || {_choice(LAST, f'{i} / 9')}"
    name = (
        f"CASE {i} % 10 WHEN 3 THEN 'Hidden ' || {full_name} "
        f"WHEN 7 THEN substr({_choice(FIRST, i)}, 1, 1) || '. ' "
        f"|| substr({_choice(LAST, f'{i} / 9')}, 1, 1) || '.' ELSE {full_name} END"
    )
    institution = _choice(INSTITUTIONS, i)
    comment = _choice(COMMENTS, f"{i} / 11")
    if postgres:
        moment = f"now() - make_interval(secs => {count} - {i})"
        false, true = "false", "true"
    else:
        # As Django writes a moment on SQLite (str(datetime), six digits of microseconds),
        # so that a lookup's value, written the same way, compares with it as text.
        moment = (
            f"strftime('%Y-%m-%d %H:%M:%S', 'now', '-' || ({count} - {i}) || ' seconds') "
            "|| '.500000'"
        )
        false, true = "0", "1"
    values = {
        "letter_id": str(letter.pk),
        "letter_version_id": str(version),
        "name": name,
        "email": "''",
        "email_key": f"'seeded-' || {text}",
        "email_key_rules": "1",
        "email_domain": "'example.org'",
        "contact_email": "''",
        "affiliation": _choice(AFFILIATIONS, f"{i} / 3"),
        "institution": institution,
        "title": _choice(TITLES, f"{i} / 2"),
        "department": _choice(["Engineering", "", "Paediatrics", ""], i),
        "location": _choice(["Dublin", "", "Nairobi", "Osaka", ""], f"{i} / 5"),
        "country": _choice(COUNTRIES, f"{i} / 7"),
        "postal_code": f"'D0' || CAST({i} % 24 AS TEXT)",
        "comment": comment,
        # Shown, but one comment in thirteen waits for a moderator (and stays out).
        "comment_state": f"CASE WHEN ({comment}) = '' THEN '' "
        f"WHEN {i} % 13 = 0 THEN 'waiting' ELSE 'shown' END",
        "display": display,
        "language": f"CASE {i} % 5 WHEN 4 THEN 'es' ELSE 'en' END",
        "source": _choice(["", "", "newsletter", "", "social"], f"{i} / 17"),
        "consent_updates": f"CASE {i} % 2 WHEN 0 THEN {true} ELSE {false} END",
        "consent_wording": "''",
        "consent_at": "NULL",
        "level": f"CASE WHEN ({institution}) = '' THEN 'confirmed' ELSE 'verified' END",
        "state": "'counted'",
        "created_at": moment,
        "confirmed_at": moment,
        "reminded_at": "NULL",
        "reminders_sent": "0",
        "ip_hash": f"'ip-' || CAST({i} % 40000 AS TEXT)",
        "subnet_hash": f"'net-' || CAST({i} % 900 AS TEXT)",
        "suspect": "''",
    }
    # Parameters below: every literal % of these expressions doubled.
    given: dict[str, tuple[str, list[Any]]] = {
        column: (sql.replace("%", "%%"), []) for column, sql in values.items()
    }
    columns = column_defaults(moment.replace("%", "%%"), known=set(given)) | given
    table = Signature._meta.db_table
    names = [field.column for field in Signature._meta.concrete_fields if field.column in columns]
    select = ", ".join(columns[column][0] for column in names)
    params = [param for column in names for param in columns[column][1]]
    into = f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in names)})"
    if postgres:
        sql = f"{into} SELECT {select} FROM generate_series(1, {count}) AS n(i)"  # noqa: S608
    else:
        numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        numbers %= count
        sql = f"{numbers} {into} SELECT {select} FROM n"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("ANALYZE")


def column_defaults(moment: str, known: set[str]) -> dict[str, tuple[str, list[Any]]]:
    """What Django would write for each column of Signature but the `known` ones when a
    signature is made without a value for it, as an SQL expression and its parameters: the
    field's default, `moment` for a date and time set automatically, NULL where the column
    allows it, and otherwise the empty value of its type. The primary key and columns with
    a database default are left to the database."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    from undersigned.signing.models import Signature

    empty = {"BooleanField": ("%s", [False]), "DateTimeField": (moment, [])}
    defaults: dict[str, tuple[str, list[Any]]] = {}
    for field in Signature._meta.concrete_fields:
        kind = field.get_internal_type()
        if field.column in known or field.primary_key or field.db_default is not NOT_PROVIDED:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.column] = (moment, [])
        elif field.has_default():
            value = field.get_default()
            value = value.value if isinstance(value, Enum) else value  # a TextChoices member
            defaults[field.column] = ("%s", [field.get_db_prep_save(value, connection)])
        elif field.null:
            defaults[field.column] = ("NULL", [])
        elif kind in empty:
            defaults[field.column] = empty[kind]
        elif field.empty_strings_allowed and not kind.endswith(("DateField", "TimeField")):
            defaults[field.column] = ("''", [])
        elif kind.endswith(("IntegerField", "FloatField", "DecimalField")):
            defaults[field.column] = ("0", [])
        else:
            raise RuntimeError(
                f"the seed cannot make up a value for the column {field.column} ({kind}, "
                "NOT NULL, no default): give it one in signatures_seed"
            )
    return defaults


# The export, in a process of its own --------------------------------------------------------


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _chunks(via: str, file_format: str, letter: Any, client: Any) -> Iterator[bytes]:
    """The export's bytes as the organiser's page sends them (`view`) or as the export's
    own function makes them (`function`)."""
    from undersigned.signing.export import counted_in_order, signatories_csv, xlsx_file
    from undersigned.signing.presentation import Audience

    if via == "view":
        response = client.get(
            f"/dashboard/letters/{SLUG}/signatures.{file_format}", HTTP_HOST="localhost"
        )
        assert response.status_code == 200, response.status_code
        assert response.streaming, "the export is not streamed"
        for chunk in response.streaming_content:
            yield chunk if isinstance(chunk, bytes) else chunk.encode()
    elif file_format == "csv":
        lines = signatories_csv(letter, counted_in_order(letter), Audience.ORGANISERS)
        yield from (line.encode() for line in lines)
    else:
        with xlsx_file(letter) as workbook:
            yield from iter(lambda: workbook.read(CHUNK_BYTES), b"")


def _occurrences(chunks: Iterable[bytes], words: tuple[bytes, ...]) -> dict[bytes, int]:
    """How often each word occurs in the bytes, a word split between two chunks too."""
    found = dict.fromkeys(words, 0)
    overlap = max(len(word) for word in words) - 1
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        for word in words:
            # Count only occurrences that end in the new chunk: the tail's were counted.
            found[word] += data.count(word) - tail.count(word)
        tail = data[-overlap:]
    return found


def _xlsx_counted(path: str) -> tuple[int, int]:
    """(rows below the header rows, times "Hidden" occurs) in every sheet of a workbook,
    read from the zip as a stream: never the whole sheet in memory."""
    rows = hidden = 0
    with zipfile.ZipFile(path) as workbook:
        for name in workbook.namelist():
            if not name.startswith("xl/") or not name.endswith(".xml"):
                continue
            sheet = name.startswith("xl/worksheets/sheet")
            with workbook.open(name) as part:
                found = _occurrences(
                    iter(lambda: part.read(CHUNK_BYTES), b""), (b"<row ", b"Hidden")
                )
            rows += found[b"<row "] - 1 if sheet else 0
            hidden += found[b"Hidden"]
    return rows, hidden


def child(via: str, file_format: str, out: str) -> None:
    import django

    django.setup()
    from django.test import Client

    from undersigned.accounts.models import User
    from undersigned.letters.models import Letter

    letter = Letter.objects.get(slug=SLUG)
    user = User.objects.get(email="organiser@bench.example")
    client = Client()
    client.force_login(user)
    written = lines_out = hidden = 0
    with tempfile.NamedTemporaryFile(suffix=f".{file_format}") as kept:
        # The CSV goes to /dev/null, counted on the way; the workbook to a file, read after.
        sink = open(os.devnull, "wb") if file_format == "csv" else kept  # noqa: SIM115
        rss_before = _rss_kib()
        started = time.perf_counter()
        cpu_started = time.process_time()
        for data in _chunks(via, file_format, letter, client):
            sink.write(data)
            written += len(data)
            if file_format == "csv":
                lines_out += data.count(b"\n")
                hidden += data.count(b"Hidden")
        sink.flush()
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if file_format == "csv":
            sink.close()
            rows = lines_out - 1
        else:
            rows, hidden = _xlsx_counted(kept.name)
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "bytes": written,
        "rows": rows,
        "hidden_names_out": hidden,
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": peak_rss / 1024,
    }
    Path(out).write_text(json.dumps(result))


def run(args: argparse.Namespace) -> dict[str, Any]:
    site = site_fresh(args.database, args.postgres_url)
    os.environ.update(site.env)
    import django

    django.setup()
    from django.db import connection

    print(f"database: {site.database}; {machine_note()}", flush=True)
    letter = letter_create()
    started = time.perf_counter()
    signatures_seed(letter, args.signatures)
    print(
        f"seeded {args.signatures:,} counted signatures in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    connection.close()
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [PYTHON, __file__, "--child", args.via, "--format", args.format]
        command += ["--json", out.name]
        done = subprocess.run(command, env=site.env, cwd=site.data_dir, check=False)
        if done.returncode != 0:
            sys.exit(f"the export failed (exit {done.returncode})")
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
    result |= {
        "database": site.database,
        "signatures": args.signatures,
        "via": args.via,
        "format": args.format,
    }
    print(
        f"exported {result['rows']:,} rows as {args.format.upper()} "
        f"({result['bytes'] / 1e6:,.1f} MB) through the {args.via} in "
        f"{result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s of CPU); "
        f"peak RSS {result['peak_rss_mb']:.0f} MB, {result['rss_before_mb']:.0f} MB before "
        f"the export; hidden names in it: {result['hidden_names_out']}",
        flush=True,
    )
    return result


def table(results: list[dict[str, Any]]) -> None:
    print_table(
        [
            "database",
            "signatures",
            "format",
            "via",
            "seconds",
            "CPU s",
            "MB",
            "peak RSS MB",
            "RSS before MB",
            "rows out",
            "hidden out",
        ],
        [
            [
                r["database"],
                f"{r['signatures']:,}",
                r.get("format", "csv"),
                r["via"],
                f"{r['seconds']:.1f}",
                f"{r['cpu_seconds']:.1f}",
                f"{r['bytes'] / 1e6:,.1f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['rss_before_mb']:.0f}",
                f"{r['rows']:,}",
                str(r["hidden_names_out"]),
            ]
            for r in results
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--signatures", type=int, default=1_000_000)
    parser.add_argument("--via", choices=["view", "function"], default="view")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("DATABASE_URL", "").strip()
        if os.environ.get("DATABASE_URL", "").startswith(("postgres:", "postgresql:"))
        else "postgres://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--child", choices=["view", "function"], help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.format, args.json)
        return
    if not args.json:
        print(f"command: {command_line()}", flush=True)
    if args.database != "both":
        try:
            result = run(args)
        finally:
            stop_all()
        if args.json:
            Path(args.json).write_text(json.dumps(result))
        else:
            table([result])
        return
    results = []
    with tempfile.TemporaryDirectory() as out:
        for database in ("sqlite", "postgres"):
            path = Path(out) / f"{database}.json"
            argv = without_database(sys.argv[1:])
            command = [PYTHON, sys.argv[0], *argv, "--database", database, "--json", str(path)]
            print(f"\n=== {database} ===", flush=True)
            done = subprocess.run(command, check=False)
            if done.returncode == 0 and path.exists():
                results.append(json.loads(path.read_text()))
            else:
                print(f"the {database} run failed (exit {done.returncode})")
    print(f"\ncommand: {command_line()}")
    table(results)


if __name__ == "__main__":
    main()
