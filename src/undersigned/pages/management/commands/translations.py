"""`undersigned translations update|check`: the catalogues (lib/catalogues.py)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from undersigned.lib.catalogues import catalogue_problems, catalogues_update, gettext_available


class Command(BaseCommand):
    help = "Bring the translation catalogues up to date with the code, or check them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["update", "check"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if not gettext_available():
            raise CommandError(
                "GNU gettext's tools are needed (xgettext, msgmerge, msgfmt): "
                "apt-get install gettext, or brew install gettext."
            )
        if action == "update":
            catalogues_update()
            self.stdout.write("Catalogues updated and compiled.")
            return
        problems = list(catalogue_problems())
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problems in the translations.")
        self.stdout.write("Every string is marked, translated and compiled.")
