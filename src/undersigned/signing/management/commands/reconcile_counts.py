from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from undersigned.letters.models import Letter
from undersigned.signing.counts import counts_reconcile


class Command(BaseCommand):
    help = "Prove every letter's stored count against its signatures, and repair any drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report drift; change nothing (exit 1 on drift).",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        drifts = counts_reconcile(repair=not check)
        for drift in drifts:
            self.stdout.write(
                f"{drift.letter.slug} shard {drift.shard}: stored {drift.stored.total} "
                f"({drift.stored.verified} verified), signatures {drift.actual.total} "
                f"({drift.actual.verified} verified)" + ("" if check else " (repaired)")
            )
        if not drifts:
            letters = Letter.objects.count()
            self.stdout.write(
                self.style.SUCCESS(f"All counts match their signatures ({letters} letters).")
            )
        elif check:
            raise SystemExit(1)
        else:
            self.stdout.write(self.style.WARNING(f"Repaired {len(drifts)} shard(s)."))
