"""undersigned verify <letter URL | manifest URL or file> [--state FILE] [--receipt FILE]

Checks a letter's signature log, and its count, from the instance's public endpoints
alone (docs/transparency.md, "Verifying a letter"); or a delivery manifest. Exits 1 on
any failure.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ...verifying import is_manifest, letter_verify, manifest_verify


class Command(BaseCommand):
    help = "Verify a letter's public signature log and count, or a delivery manifest."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a letter's address, or a manifest's address or file")
        parser.add_argument(
            "--state",
            type=Path,
            help="where the latest head checked is kept "
            "(default ~/.cache/undersigned/verify/<host>-<slug>.json)",
        )
        parser.add_argument("--receipt", type=Path, help="a signer's receipt.json to check too")
        parser.add_argument(
            "--wait",
            type=float,
            default=3.0,
            help="seconds to wait before reading again a count ahead of the log",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["source"]

        def progress(message: str) -> None:
            self.stderr.write(message)

        if is_manifest(source):
            report = manifest_verify(source, progress=progress)
        else:
            receipt = json.loads(options["receipt"].read_text()) if options["receipt"] else None
            report = letter_verify(
                source,
                state=options["state"],
                receipt=receipt,
                wait=options["wait"],
                progress=progress,
            )
        self.stdout.write(report.text())
        if not report.ok:
            sys.exit(1)
