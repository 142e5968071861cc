"""An owner's writes on their organisation's webhook endpoints, each audited in its own
transaction, and the test they may send."""

import ipaddress
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.organisations.models import Organisation

from . import bodies
from .folding import cursors_latest
from .models import SUBSCRIBABLE, EventType, WebhookDelivery, WebhookEndpoint, secret_new
from .posting import address_allowed, private_allowed
from .sending import send_webhook

# The fields an owner sets; the audit entry of a change names those that changed.
FIELDS = ("url", "description", "events", "active")


def url_check(url: str) -> None:
    """Refuse what will never be sent to: another scheme than http(s), a URL with a user
    and password in it, and, unless the operator allows it, an address of this machine or
    of a private network. A name is looked up only when sending (posting.py)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an http:// or https:// address."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(
            _("Leave the user name and password out of the address: put a key in its path."),
            code="userinfo",
        )
    if private_allowed():
        return
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise ValidationError(_("Enter an address on the public internet."), code="private")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_allowed(host):
        raise ValidationError(_("Enter an address on the public internet."), code="private")


def events_check(events: Sequence[str]) -> list[str]:
    unknown = set(events) - set(SUBSCRIBABLE)
    if unknown or not events:
        raise ValidationError(_("Choose at least one event."), code="events")
    return [choice.value for choice in SUBSCRIBABLE if choice in events]


def endpoint_create(
    *,
    organisation: Organisation,
    url: str,
    events: Sequence[str],
    description: str = "",
    by: User | None,
    request: HttpRequest | None = None,
) -> WebhookEndpoint:
    """A new endpoint, sent what happens from now on (nothing from before)."""
    url_check(url)
    endpoint = WebhookEndpoint(
        organisation=organisation,
        url=url,
        description=description,
        events=events_check(events),
        created_by=by,
    )
    with transaction.atomic():
        for cursor, seen in cursors_latest().items():
            setattr(endpoint, cursor, seen)
        endpoint.full_clean()
        endpoint.save()
        _audit("webhook.create", endpoint, by, request, events=endpoint.events)
    return endpoint


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str,
    events: Sequence[str],
    description: str,
    active: bool,
    by: User | None,
    request: HttpRequest | None = None,
) -> list[str]:
    """Save what the owner changed; the names of the fields that changed. An endpoint
    turned off is sent nothing of what happens until it is turned on again."""
    url_check(url)
    wanted: dict[str, object] = {
        "url": url,
        "description": description,
        "events": events_check(events),
        "active": active,
    }
    changed = [name for name in FIELDS if getattr(endpoint, name) != wanted[name]]
    if not changed:
        return []
    for name in changed:
        setattr(endpoint, name, wanted[name])
    with transaction.atomic():
        endpoint.full_clean()
        endpoint.save(update_fields=changed)
        _audit("webhook.edit", endpoint, by, request, fields=changed)
    return changed


def endpoint_delete(
    *, endpoint: WebhookEndpoint, by: User | None, request: HttpRequest | None = None
) -> None:
    """Remove the endpoint and its delivery log; what waits to be sent is not sent."""
    with transaction.atomic():
        _audit("webhook.delete", endpoint, by, request)
        endpoint.delete()


def endpoint_secret_renew(
    *, endpoint: WebhookEndpoint, by: User | None, request: HttpRequest | None = None
) -> str:
    """A new secret, at once: every delivery from now on, retries included, is signed with it."""
    secret = secret_new()
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret)
        _audit("webhook.secret", endpoint, by, request)
    endpoint.secret = secret
    return secret


def endpoint_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `ping` event, sent by the same task as every other, whatever the endpoint asked
    for and whether it is turned on or not."""
    event_id = f"ping-{uuid.uuid4().hex}"
    now = timezone.now()
    data = bodies.ping_data(endpoint.organisation, endpoint.pk)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=EventType.PING,
            body=bodies.body_json(event_id, EventType.PING, now, data),
            next_attempt_at=now,
        )
        send_webhook.enqueue(delivery.pk)
    return delivery


def _audit(
    action: str,
    endpoint: WebhookEndpoint,
    by: User | None,
    request: HttpRequest | None,
    **detail: object,
) -> None:
    audit_record(
        action=action,
        actor=by,
        target=endpoint,
        organisation_id=endpoint.organisation_id,
        request=request,
        detail=detail,
    )
