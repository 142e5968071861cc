"""Recording an audit entry, in the caller's transaction.

Called inside the `transaction.atomic` of the change it records, the entry commits or rolls
back with it: a change that did not happen leaves no entry.
"""

from collections.abc import Mapping

from django.db import models
from django.http import HttpRequest

from undersigned.accounts.models import User
from undersigned.lib.client_ip import client_ip
from undersigned.lib.network import address_hash

from .models import AuditEntry


def audit_record(
    *,
    action: str,
    actor: User | None,
    target: models.Model | None,
    organisation_id: int | None,
    request: HttpRequest | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEntry:
    """One entry: who acted, on what, in whose log, from where (a keyed hash of the
    client's address, when there is a request), and the detail the action needs."""
    entry = AuditEntry(
        actor=actor,
        actor_label=actor.email if actor is not None else "",
        action=action,
        organisation_id=organisation_id,
        ip_hash=_ip_hash(request),
        detail=dict(detail or {}),
    )
    if target is not None:
        entry.target_type = target._meta.label_lower
        entry.target_id = str(target.pk)
        entry.target_label = str(target)[:200]
    # The actor is the caller's own account: checking that it exists would cost a query.
    entry.full_clean(exclude=["actor"])
    entry.save(force_insert=True)
    return entry


def _ip_hash(request: HttpRequest | None) -> str:
    address = client_ip(request) if request is not None else ""
    return address_hash(address) if address else ""
