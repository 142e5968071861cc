"""Organisations and who may do what in them."""

from django.db import transaction

from undersigned.accounts.models import User
from undersigned.lib.slugs import free_slug

from .models import Membership, Organisation, Role


def organisation_create(*, name: str, owner: User, contact_email: str = "") -> Organisation:
    slug = free_slug(Organisation.objects.all(), name, fallback="organisation")
    organisation = Organisation(name=name, slug=slug, contact_email=contact_email)
    organisation.full_clean()
    with transaction.atomic():
        organisation.save()
        Membership.objects.create(organisation=organisation, user=owner, role=Role.OWNER)
    return organisation


def member_role(user: User, organisation: Organisation) -> Role | None:
    if not user.is_authenticated:
        return None
    role = (
        Membership.objects.filter(organisation=organisation, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None
