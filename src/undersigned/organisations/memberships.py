"""Organisations and who may do what in them."""

from django.db import transaction
from django.utils.text import slugify

from undersigned.accounts.models import User

from .models import EDITING_ROLES, Membership, Organisation, Role


def organisation_create(*, name: str, owner: User) -> Organisation:
    organisation = Organisation(name=name, slug=_free_slug(name))
    organisation.full_clean()
    with transaction.atomic():
        organisation.save()
        Membership.objects.create(organisation=organisation, user=owner, role=Role.OWNER)
    return organisation


def _free_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def member_role(user: User, organisation: Organisation) -> Role | None:
    if not user.is_authenticated:
        return None
    role = (
        Membership.objects.filter(organisation=organisation, user=user)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def can_edit(user: User, organisation: Organisation) -> bool:
    return member_role(user, organisation) in EDITING_ROLES
