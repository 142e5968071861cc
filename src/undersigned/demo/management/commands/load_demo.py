from typing import Any

from django.core.management.base import BaseCommand

from undersigned.demo.loading import demo_load


class Command(BaseCommand):
    help = "Load the demo organiser, organisations and letters. Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        for slug, count in demo_load().items():
            self.stdout.write(f"demo letter {slug}: {count} signatures")
