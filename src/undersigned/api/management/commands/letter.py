"""Move a letter, with its versions, settings and counted signatures, between instances.

    undersigned letter export drop-the-contract -o drop-the-contract.json
    undersigned letter import drop-the-contract.json --organisation open-streets \
        --user olu@campaign.example

The file holds what the letter's organisers may see of each signature and no address
of any kind (api/transfer.py, docs/import-export.md). An import makes a draft of the
organisation, with the file's count exactly, or refuses the file and writes nothing.
`-` reads the file from standard input or writes it to standard output.
"""

import os
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from undersigned.accounts.models import User
from undersigned.api.transfer import json_chunks, letter_export, letter_import, transfer_read
from undersigned.letters.models import Letter
from undersigned.organisations.access import Action, may
from undersigned.organisations.memberships import member_role
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import letter_count_fresh

# How often a long export or import says how far it is, in signatures.
PROGRESS_EVERY = 10_000


class Command(BaseCommand):
    help = "Export a letter to a JSON file another undersigned imports, or import one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("change", choices=["export", "import"])
        parser.add_argument(
            "what", help="export: the letter's slug; import: the file (- for standard input)"
        )
        parser.add_argument(
            "-o", "--output", default="-", help="export: the file to write (- for standard output)"
        )
        parser.add_argument("--organisation", help="import: the slug of the organisation it joins")
        parser.add_argument(
            "--user", help="import: the address of the member it is imported by, for the audit log"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        if options["change"] == "export":
            self._export(options["what"], options["output"])
        else:
            self._import(options["what"], options["organisation"], options["user"])

    def _export(self, slug: str, output: str) -> None:
        letter = Letter.objects.select_related("organisation").filter(slug=slug).first()
        if letter is None:
            raise CommandError(f"No letter has the slug {slug!r}.")
        data = letter_export(letter, progress=self._progress("read"))
        chunks = json_chunks(data)
        if output == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
            destination = "standard output"
        else:
            _write_whole(Path(output), chunks)
            destination = output
        count = data["count"]
        self.stderr.write(
            f"Exported {letter.slug!r} to {destination}, with {count['total']:,} signatures "
            f"({count['verified']:,} verified).",
            style_func=None,
        )

    def _import(self, source: str, organisation_slug: str | None, email: str | None) -> None:
        if not organisation_slug:
            raise CommandError("Say which organisation the letter joins: --organisation SLUG.")
        organisation = Organisation.objects.filter(slug=organisation_slug).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug {organisation_slug!r}.")
        user = _importer(organisation, email) if email else None
        try:
            with _opened(source) as file:
                letter = letter_import(
                    data=transfer_read(file),
                    organisation=organisation,
                    imported_by=user,
                    progress=self._progress("imported"),
                )
        except ValidationError as error:
            raise CommandError(f"{' '.join(error.messages)} Nothing was imported.") from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {source}: {error}") from None
        count = letter_count_fresh(letter.pk)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {letter.title!r} into {organisation.name} as the draft "
                f"{letter.slug!r}, with {count.total:,} signatures ({count.verified:,} "
                "verified), as the file counts them. Its organisers publish it when ready."
            )
        )

    def _progress(self, done: str) -> Any:
        def progress(signatures: int) -> None:
            if signatures % PROGRESS_EVERY == 0 and self.verbosity > 0:
                self.stderr.write(f"{signatures:,} signatures {done}…", style_func=None)

        return progress


def _importer(organisation: Organisation, email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"No account has the address {email}.")
    role = member_role(user, organisation)
    if role is None or not may(role, Action.EDIT):
        raise CommandError(f"{user.email} is not an owner or editor of {organisation.name}.")
    return user


def _opened(source: str) -> IO[str]:
    if source == "-":
        return open(sys.stdin.fileno(), encoding="utf-8", closefd=False)
    return open(source, encoding="utf-8")


def _write_whole(path: Path, chunks: Any) -> None:
    """Write the file whole or not at all: into a temporary file beside it, then renamed."""
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as out:
        try:
            for chunk in chunks:
                out.write(chunk)
        except BaseException:
            out.close()
            os.unlink(out.name)
            raise
    os.replace(out.name, path)
