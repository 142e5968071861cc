"""Make an account a platform moderator, or no longer one; or list them.

    undersigned moderator grant alex@example.org
    undersigned moderator revoke alex@example.org
    undersigned moderator list

A platform moderator reviews new letters, decides reports and appeals, and sees every
letter's fraud alerts (docs/moderation.md). It is not a superuser: it cannot open the
admin. Each change is recorded in the audit log, with no actor: the operator made it.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record


class Command(BaseCommand):
    help = "Grant or revoke the platform moderator role, or list who has it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("change", choices=["grant", "revoke", "list"])
        parser.add_argument("email", nargs="?", help="the account's email address")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["change"] == "list":
            for email in (
                User.objects.filter(is_moderator=True)
                .order_by("email")
                .values_list("email", flat=True)
            ):
                self.stdout.write(email)
            return
        email = (options["email"] or "").strip()
        if not email:
            raise CommandError("Give the account's email address.")
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account has the address {email}.")
        granting = options["change"] == "grant"
        if user.is_moderator == granting:
            state = "already" if granting else "not"
            self.stdout.write(f"{user.email} is {state} a platform moderator; nothing changed.")
            return
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(is_moderator=granting)
            audit_record(
                action="moderator.grant" if granting else "moderator.revoke",
                actor=None,
                target=user,
                organisation_id=None,
            )
        self.stdout.write(
            f"{user.email} is {'now' if granting else 'no longer'} a platform moderator."
        )
