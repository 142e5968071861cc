from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from undersigned.letters.models import Letter
from undersigned.signing.counts import LetterCount, counts_reconcile


class Command(BaseCommand):
    help = (
        "Prove every letter's stored count against its signatures and its signature "
        "events, and repair the stored count where it drifted from the signatures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only report drift; change nothing (exit 1 on drift).",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        drifts = counts_reconcile(repair=not check)
        shards = [drift for drift in drifts if drift.shard is not None]
        events = [drift for drift in drifts if drift.shard is None]
        for drift in shards:
            self.stdout.write(
                f"{drift.letter.slug} shard {drift.shard}: stored {_pair(drift.stored)}, "
                f"signatures {_pair(drift.actual)}" + ("" if check else " (repaired)")
            )
        for drift in events:
            self.stdout.write(
                f"{drift.letter.slug}: signature events sum to {_pair(drift.stored)}, "
                f"signatures {_pair(drift.actual)}"
            )
        if not drifts:
            letters = Letter.objects.count()
            self.stdout.write(
                self.style.SUCCESS(f"All counts match their signatures ({letters} letters).")
            )
            self.stdout.write(self.style.SUCCESS("Their signature events add up to them too."))
            return
        if shards and not check:
            self.stdout.write(self.style.WARNING(f"Repaired {len(shards)} shard(s)."))
        if events:
            self.stdout.write(
                self.style.ERROR(
                    "Some signatures changed without an event: the events are append-only, "
                    "so this is reported, not repaired."
                )
            )
        if check or events:
            raise SystemExit(1)


def _pair(count: LetterCount) -> str:
    return f"{count.total} ({count.verified} verified)"
