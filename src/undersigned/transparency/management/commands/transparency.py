"""The signature logs, for the operator (docs/transparency.md):

undersigned transparency check [--letter SLUG] [--full]   exits 1 if anything is wrong
undersigned transparency append [--missed]                what the worker does each second
undersigned transparency rotate-key                       a new key signs from now on
undersigned transparency keys                             every key, retired ones too
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from undersigned.letters.models import Letter
from undersigned.signing.models import SignatureEvent

from ...appending import log_fold, missed_fold
from ...checking import LogCheck, log_check
from ...keys import key_rotate
from ...models import LogState, SigningKey


class Command(BaseCommand):
    help = "Check, append to, and sign the letters' signature logs; rotate the signing key."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser("check", help="check every log against its letter's count")
        check.add_argument("--letter", help="the slug of one letter")
        check.add_argument(
            "--full", action="store_true", help="also read every entry and every head again"
        )
        append = actions.add_parser("append", help="append the events waiting, now")
        append.add_argument(
            "--missed",
            action="store_true",
            help="also append events the appending round passed and gave up waiting for",
        )
        actions.add_parser("rotate-key", help="retire the signing key and make a new one")
        actions.add_parser("keys", help="list the signing keys")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "check":
            self._check(options["letter"], full=options["full"])
        elif action == "append":
            self._append(missed=options["missed"])
        elif action == "rotate-key":
            key = key_rotate()
            self.stdout.write(f"New signing key {key.key_id}; every older one is retired.")
        else:
            for key in SigningKey.objects.order_by("created_at", "pk"):
                status = "current" if key.current else f"retired {key.retired_at:%Y-%m-%d %H:%M}"
                self.stdout.write(
                    f"{key.key_id}  created {key.created_at:%Y-%m-%d %H:%M}  {status}"
                )

    def _append(self, *, missed: bool) -> None:
        folded = log_fold(passes=1_000_000)
        self.stdout.write(f"Appended {folded.entries} entries from {folded.events} events.")
        if missed:
            late = missed_fold()
            self.stdout.write(f"Appended {late.entries} entries from events passed before.")

    def _check(self, slug: str | None, *, full: bool) -> None:
        letters = Letter.objects.order_by("pk")
        if slug:
            letters = letters.filter(slug=slug)
            if not letters.exists():
                raise CommandError(f"No letter has the address {slug}.")
        else:
            with_log = Q(pk__in=LogState.objects.values("letter_id"))
            letters = letters.filter(
                with_log | Q(pk__in=SignatureEvent.objects.values("letter_id"))
            )
        checks = [log_check(letter, full=full) for letter in letters]
        for check in checks:
            self.stdout.write(_line(check))
        wrong = [check for check in checks if not check.sound]
        if wrong:
            raise SystemExit(1)
        self.stdout.write(f"Every log is sound ({len(checks)} letters).")


def _line(check: LogCheck) -> str:
    line = (
        f"{check.letter.slug}: {check.size} entries adding up to {check.log.total} "
        f"({check.log.verified} verified); the count is {check.count.total} "
        f"({check.count.verified} verified)."
    )
    if check.waiting:
        line += f" {check.waiting} event(s) wait to be appended."
    for problem in check.problems:
        line += f"\n  WRONG: {problem}"
    return line
