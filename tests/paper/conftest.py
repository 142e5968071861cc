"""Organisers of the paper pages: the owner (tests/conftest.py's organiser), and a member
of each other role, each with a client signed in."""

from collections.abc import Callable

import pytest
from django.test import Client

from undersigned.accounts.models import User
from undersigned.organisations.models import Membership, Organisation, Role


@pytest.fixture
def owner(organiser: User) -> Client:
    client = Client()
    client.force_login(organiser)
    return client


@pytest.fixture
def member(organisation: Organisation) -> Callable[[Role], Client]:
    """A client signed in as a new member of the organisation with this role."""

    def signed_in(role: Role) -> Client:
        user = User.objects.create_user(f"{role}@campaign.example")
        Membership.objects.create(organisation=organisation, user=user, role=role)
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def outsider(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("mallory@elsewhere.example"))
    return client


def paper_path(slug: str, rest: str = "") -> str:
    return f"/dashboard/letters/{slug}/paper/{rest}"
