from typing import Any

from django.core.management.base import BaseCommand

from undersigned.signing.signatures import signatures_forget_unconfirmed


class Command(BaseCommand):
    help = "Delete signatures never confirmed before their link expired, with their addresses."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = signatures_forget_unconfirmed()
        self.stdout.write(f"Deleted {deleted} unconfirmed signature(s) older than their link.")
