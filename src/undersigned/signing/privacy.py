"""A signer's rights over their data: everything kept about an address, and its erasure.

Erasing keeps what the counts stand on: a counted signature stays a row, in its state
and at its verification level, with the institution its address proved (the institution
aggregates), and loses everything else that was about its signer. So the count, the
verified count and the institutions do not move, and `counts_reconcile` still agrees: it
counts rows by state and level, and the events, of which erasure adds one per signature
that moves nothing. A pending signature never counted; it is deleted.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import CharField, F, Q, Value
from django.db.models.functions import Cast, Concat
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from undersigned.letters.models import Display
from undersigned.lib.email_address import email_key
from undersigned.mail.models import OutboxMessage, SentMessage

from .counts import count_forget
from .events import events_record
from .models import ConfirmationQuota, EventKind, Signature, SignatureEvent, State, Unsubscription
from .recipients import Purpose, recipient

# An erased signature's email_key: unique per letter as the constraint needs, and no hash
# of any address (those are hex), so no address ever matches it again.
ERASED_KEY_PREFIX = "erased:"

# Every field of a signature that is about its signer, and what it becomes when erased.
ERASED: dict[str, object] = {
    "name": "",
    "email": "",
    "email_domain": "",
    "contact_email": "",
    "affiliation": "",
    "title": "",
    "department": "",
    "location": "",
    "country": "",
    "postal_code": "",
    "comment": "",
    "comment_state": "",
    "display": Display.ANONYMOUS,
    "consent_updates": False,
    "consent_wording": "",
    "consent_at": None,
    "reminded_at": None,
    "ip_hash": "",
    "subnet_hash": "",
}


def signatures_for_request(address: str) -> list[Signature]:
    """The signatures whose data may be sent to this address, as the rule decides: those it
    signed with, unless at work, and those that gave it as their personal address."""
    candidates = Signature.objects.select_related("letter").filter(
        Q(email_key=email_key(address)) | Q(contact_email__iexact=address.strip())
    )
    return [
        signature
        for signature in candidates.order_by("pk")
        if recipient(signature, Purpose.DATA_REQUEST, asking=address)
    ]


def signatures_held_for(address_key: str, signature_ids: Iterable[int]) -> list[Signature]:
    """The signatures a data-request link stands for, as long as they still belong to the
    address that asked: an erased or withdrawn one is no longer among them."""
    rows = Signature.objects.select_related("letter", "letter_version").filter(pk__in=signature_ids)
    return [
        signature
        for signature in rows.order_by("pk")
        if signature.email_key == address_key
        or (signature.contact_email and email_key(signature.contact_email) == address_key)
    ]


def _address_keys(address_key: str, signatures: Sequence[Signature]) -> set[str]:
    """The keyed hashes of every address of these signatures: what unsubscriptions, quotas
    and the records of mail sent to an address are kept under."""
    keys = {address_key}
    for signature in signatures:
        keys.add(signature.email_key)
        if signature.contact_email:
            keys.add(email_key(signature.contact_email))
        if signature.email:
            keys.add(email_key(signature.email))
    return keys


def personal_data_export(address_key: str, signatures: Sequence[Signature]) -> dict[str, Any]:
    """Everything kept about an address, as JSON-ready data: each signature's every field,
    its events, the consent it gave with its words and time, the unsubscriptions, the daily
    confirmation quota, and the record of each message sent to it."""
    keys = _address_keys(address_key, signatures)
    ids = [signature.pk for signature in signatures]
    events = defaultdict(list)
    for event in SignatureEvent.objects.filter(signature_id__in=ids).order_by("pk"):
        events[event.signature_id].append(_row(event, exclude={"signature_id"}))
    return {
        "signatures": [
            {
                "letter": {
                    "title": signature.letter.title,
                    "slug": signature.letter.slug,
                    "status": signature.letter.status,
                },
                "letter_version": signature.letter_version.number,
                "fields": _row(signature),
                "consent": {
                    "updates": signature.consent_updates,
                    "wording": signature.consent_wording,
                    "at": _iso(signature.consent_at),
                },
                "events": events[signature.pk],
            }
            for signature in signatures
        ],
        "unsubscriptions": [
            {"organisation": row.organisation.name, "at": _iso(row.created_at)}
            for row in Unsubscription.objects.select_related("organisation").filter(
                address_key__in=keys
            )
        ],
        "confirmation_quotas": [
            {"day": row.day.isoformat(), "confirmation_emails": row.used}
            for row in ConfirmationQuota.objects.filter(email_key__in=keys)
        ],
        "messages_sent": [
            _row(message, exclude={"claimed_until"})
            for message in _sent_messages(ids, keys).order_by("created_at", "pk")
        ],
    }


def _row(
    instance: models.Model, exclude: set[str] | frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Every stored column of a row, by field name, foreign keys as their ids."""
    return {
        field.attname: _plain(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in exclude
    }


def _plain(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _sent_messages(
    signature_ids: Sequence[int], keys: Iterable[str]
) -> "models.QuerySet[SentMessage]":
    """The records of mail sent about these signatures and to these addresses, by the keys
    their senders gave them (signing/tasks.py, updates/sending.py)."""
    wanted = Q(pk__in=[])
    for pk in signature_ids:
        wanted |= Q(key__in=[f"proof:{pk}", f"confirmed:{pk}"])
        wanted |= Q(key__startswith=f"reminder:{pk}:") | Q(key__startswith=f"manage_link:{pk}:")
    for key in keys:
        wanted |= Q(key__startswith="update:", key__endswith=f":{key}")
        wanted |= Q(key__startswith=f"data_request:{key}:")
    return SentMessage.objects.filter(wanted)


def address_erase(address_key: str, signatures: Sequence[Signature]) -> int:
    """Erase everything kept about an address, on every letter at once: its signatures (see
    signatures_erase), its unsubscriptions and quotas, and the records of mail sent to it.
    Returns how many signatures were erased."""
    keys = _address_keys(address_key, signatures)
    ids = [signature.pk for signature in signatures]
    with transaction.atomic():
        _sent_messages(ids, keys).delete()
        erased = signatures_erase(signature_ids=ids)
        Unsubscription.objects.filter(address_key__in=keys).delete()
        ConfirmationQuota.objects.filter(email_key__in=keys).delete()
    return erased


def signatures_erase(*, signature_ids: Sequence[int]) -> int:
    """Erase the personal data of these signatures, in one transaction: a counted, held or
    invalidated one is kept blank (ERASED) in its state, level and institution, a pending
    one is deleted; each gets an ERASED event that moves no count, and the mail still
    queued for it is dropped. Returns how many were erased; erasing again erases none."""
    with transaction.atomic():
        signatures = list(
            Signature.objects.select_for_update()
            .filter(pk__in=signature_ids)
            .exclude(email_key__startswith=ERASED_KEY_PREFIX)
            .only(
                "pk", "letter_id", "letter_version_id", "level", "state", "email", "contact_email"
            )
        )
        if not signatures:
            return 0
        by_letter: dict[int, list[Signature]] = defaultdict(list)
        for signature in signatures:
            by_letter[signature.letter_id].append(signature)
        for letter_id, erased in by_letter.items():
            events_record(letter_id, [(signature, EventKind.ERASED, 0) for signature in erased])
        ids = [signature.pk for signature in signatures]
        _queued_mail_drop(ids)
        _outbox_drop(signatures)
        pending = [s.pk for s in signatures if s.state == State.PENDING]
        Signature.objects.filter(pk__in=pending).delete()
        Signature.objects.filter(pk__in=ids).exclude(state=State.PENDING).update(
            email_key=Concat(Value(ERASED_KEY_PREFIX), Cast(F("pk"), CharField())),
            **ERASED,
        )
        transaction.on_commit(lambda: _counts_forget(list(by_letter)))
    return len(signatures)


def _counts_forget(letter_ids: list[int]) -> None:
    for letter_id in letter_ids:
        count_forget(letter_id)


def _queued_mail_drop(signature_ids: Sequence[int]) -> None:
    """The signer's emails not sent yet (each task's first argument is its signature)."""
    DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path__startswith="undersigned.signing.tasks.",
        args_kwargs__args__0__in=list(signature_ids),
    ).delete()


def _outbox_drop(signatures: Sequence[Signature]) -> None:
    """The local outbox (demo and development only) keeps messages whole, addresses and all."""
    addresses = {a for s in signatures for a in (s.email, s.contact_email) if a}
    if addresses:
        OutboxMessage.objects.filter(to__in=addresses).delete()
