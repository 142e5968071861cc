"""How long does the organiser's CSV export of a million signatures take, and how much
memory does it need?

    uv run python bench/export_csv.py                          # SQLite, a million signatures
    uv run python bench/export_csv.py --database postgres      # a fresh PostgreSQL database
    uv run python bench/export_csv.py --database both          # one after the other
    uv run python bench/export_csv.py --signatures 100000 --via function

Sets up a throwaway site (SQLite in its data directory, or a PostgreSQL database created
beside the one --postgres-url names and dropped afterwards), an organisation and a published
letter anyone may sign that asks for an affiliation, a title, a country, a postal code and a
comment, and seeds --signatures counted signatures in one SQL statement (INSERT … SELECT over
a recursive CTE on SQLite, generate_series on PostgreSQL): plausible names, institutions,
countries and comments, one in ten anonymous and one in ten as initials. Each anonymous row
keeps a name starting "Hidden" in its name column, which the presenter must never show.

Then, in a fresh process, it exports them (--via view: the organiser's page through Django's
whole stack, logged in as a member; --via function: `signatories_csv` alone), writing the
streamed body to /dev/null, and prints the seconds, the rows and bytes written, and the
process's peak RSS (ru_maxrss) beside its RSS before the export. It checks that every row
came out and that no hidden name did. Prints numbers; asserts nothing.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
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


# Seeding ----------------------------------------------------------------------------------


def _choice(values: list[str], modulo_of: str) -> str:
    """A CASE picking one of `values` by the row number, as SQL both engines read."""
    whens = " ".join(
        f"WHEN {number} THEN '{value.replace(chr(39), chr(39) * 2)}'"
        for number, value in enumerate(values)
    )
    return f"CASE ({modulo_of}) % {len(values)} {whens} END"


def letter_create() -> Any:
    from undersigned.accounts.models import User
    from undersigned.letters.models import FieldRule, Letter, Target
    from undersigned.letters.publishing import letter_publish
    from undersigned.organisations.memberships import organisation_create

    owner = User.objects.create_user("organiser@bench.example", "a long organiser password")
    organisation = organisation_create(
        name="Open Streets Alliance", owner=owner, contact_email="team@streets.example"
    )
    optional = FieldRule.OPTIONAL
    letter = Letter.objects.create(
        organisation=organisation,
        slug=SLUG,
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
    """`count` counted signatures of the letter, in one INSERT … SELECT."""
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
    if postgres:
        moment = f"now() - make_interval(secs => {count} - {i})"
        false, true = "false", "true"
    else:
        moment = f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || ({count} - {i}) || ' seconds')"
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
        "comment": _choice(COMMENTS, f"{i} / 11"),
        "display": display,
        "consent_updates": f"CASE {i} % 2 WHEN 0 THEN {true} ELSE {false} END",
        "consent_wording": "''",
        "consent_at": "NULL",
        "level": f"CASE WHEN ({institution}) = '' THEN 'confirmed' ELSE 'verified' END",
        "state": "'counted'",
        "created_at": moment,
        "confirmed_at": moment,
        "reminded_at": "NULL",
        "reminders_sent": "0",
    }
    columns = [field.column for field in Signature._meta.concrete_fields if field.column != "id"]
    missing = set(columns) - set(values)
    if missing:
        raise RuntimeError(f"the seed does not know the columns {sorted(missing)}")
    table = Signature._meta.db_table
    select = ", ".join(values[column] for column in columns)
    into = f"INSERT INTO {table} ({', '.join(columns)})"
    if postgres:
        sql = f"{into} SELECT {select} FROM generate_series(1, {count}) AS n(i)"  # noqa: S608
    else:
        numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
        numbers %= count
        sql = f"{numbers} {into} SELECT {select} FROM n"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute("ANALYZE")


# The export, in a process of its own --------------------------------------------------------


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def child(via: str, out: str) -> None:
    import django

    django.setup()
    from django.test import Client

    from undersigned.accounts.models import User
    from undersigned.letters.models import Letter
    from undersigned.signing.export import signatories_csv
    from undersigned.signing.models import Signature
    from undersigned.signing.presentation import Audience, listing_order

    letter = Letter.objects.get(slug=SLUG)
    user = User.objects.get(email="organiser@bench.example")
    client = Client()
    client.force_login(user)
    rss_before = _rss_kib()
    started = time.perf_counter()
    cpu_started = time.process_time()
    if via == "view":
        response = client.get(f"/dashboard/letters/{SLUG}/signatures.csv", HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code
        assert response.streaming, "the export is not streamed"
        chunks: Any = response.streaming_content
    else:
        counted = Signature.objects.counted().filter(letter=letter)
        lines = signatories_csv(
            letter, listing_order(letter, counted, oldest_first=True), Audience.ORGANISERS
        )
        chunks = (line.encode() for line in lines)
    written = lines_out = hidden = 0
    with open(os.devnull, "wb") as sink:
        for chunk in chunks:
            data = chunk if isinstance(chunk, bytes) else chunk.encode()
            sink.write(data)
            written += len(data)
            lines_out += data.count(b"\n")
            hidden += data.count(b"Hidden")
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu_started,
        "bytes": written,
        "rows": lines_out - 1,
        "hidden_names_out": hidden,
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
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
        command = [PYTHON, __file__, "--child", args.via, "--json", out.name]
        done = subprocess.run(command, env=site.env, cwd=site.data_dir, check=False)
        if done.returncode != 0:
            sys.exit(f"the export failed (exit {done.returncode})")
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
    result |= {"database": site.database, "signatures": args.signatures, "via": args.via}
    print(
        f"exported {result['rows']:,} rows ({result['bytes'] / 1e6:,.0f} MB) through the "
        f"{args.via} in {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s of CPU); "
        f"peak RSS {result['peak_rss_mb']:.0f} MB, {result['rss_before_mb']:.0f} MB before "
        f"the export; hidden names in it: {result['hidden_names_out']}",
        flush=True,
    )
    return result


def table(results: list[dict[str, Any]]) -> None:
    print_table(
        ["database", "signatures", "via", "seconds", "peak RSS MB", "rows out", "hidden out"],
        [
            [
                r["database"],
                f"{r['signatures']:,}",
                r["via"],
                f"{r['seconds']:.1f}",
                f"{r['peak_rss_mb']:.0f}",
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
        child(args.child, args.json)
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
