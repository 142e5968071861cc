"""An organiser signed in from a known address, and what every audit entry must hold."""

import pytest
from django.test import Client

from tests.signing.conftest import cells_containing
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.lib.network import address_hash

ADDRESS = "203.0.113.77"


def client_of(user: User, address: str = ADDRESS) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


@pytest.fixture
def olu(organiser: User) -> Client:
    """Olu, owner of the Open Streets Alliance, signed in from ADDRESS."""
    return client_of(organiser)


def the_entry(
    action: str, *, actor: User | None, target: object, organisation_id: int | None
) -> AuditEntry:
    """The one entry of an action, checked for who, what, whose and from where."""
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == actor
    assert entry.actor_label == (actor.email if actor else "")
    assert entry.target_type == target._meta.label_lower  # type: ignore[attr-defined]
    assert entry.target_id == str(target.pk)  # type: ignore[attr-defined]
    assert entry.target_label == str(target)[:200]
    assert entry.organisation_id == organisation_id
    assert entry.ip_hash == address_hash(ADDRESS)
    assert cells_containing(ADDRESS) == []
    return entry
