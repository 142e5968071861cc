"""Sending an update to its recipients: a crash cannot spoil it.

An editor's send (publishing.update_send) lists nobody yet: it marks the update sending and
enqueues the task that lists its recipients (`recipients_list`), each address once, as
rows of `UpdateRecipient`.
Senders then take rows a batch at a time with a conditional UPDATE that claims them for a
lease, hand each message to the relay, and record each answer as soon as it comes:

- a worker killed before the relay took a message leaves its claim to lapse, and the next
  sender takes the row again: nobody is skipped;
- a row recorded as sent is never claimed again: nobody gets a second copy, except in the
  one window left, between the relay's "250 accepted" and the commit of the record (one
  UPDATE of one row, well under a millisecond on either database). A crash exactly then
  sends that one message again, with the same Message-ID, which mail clients show once.
  The sender's commits do not wait for the disk (_commits_unflushed), so a crash of the
  machine itself, not of a worker, can widen that window to the last few records.

The send rate (UPDATE_SEND_RATE, messages a second) is one clock per update, shared by
every worker sending it: each batch reserves its slots on the update's row before it sends.
"""

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from undersigned.lib.email_address import email_key
from undersigned.mail.messages import (
    RETRY_DELAYS,
    TemporaryFailure,
    message_deliver,
    message_id,
    relay_connection,
)
from undersigned.signing.models import Signature
from undersigned.signing.recipients import update_addressees, update_addresses

from .emails import UpdateMail
from .models import RecipientStatus, Update, UpdateRecipient, UpdateStatus

logger = logging.getLogger(__name__)

BATCH_MAX = 100
LIST_CHUNK = 2000


def update_reach(update: Update) -> int:
    """How many addresses the update would go to if it were sent now."""
    return sum(1 for _addressee in update_addressees(update.letter))


def recipients_list(update: Update) -> int:
    """Write a row for every address the update may go to, and say how many; safe to run
    again (a row already written stays as it is)."""
    if update.finished_at:
        return 0
    added = 0
    chunk: list[UpdateRecipient] = []
    for addressee in update_addressees(update.letter):
        chunk.append(
            UpdateRecipient(
                update=update,
                signature_id=addressee.signature_id,
                address_key=addressee.address_key,
            )
        )
        if len(chunk) == LIST_CHUNK:
            added += _add(chunk)
            chunk = []
    return added + _add(chunk)


def _add(rows: list[UpdateRecipient]) -> int:
    UpdateRecipient.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@dataclass(frozen=True)
class Progress:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def update_progress(update: Update) -> Progress:
    """How far sending is, as the dashboard shows it; a claimed row is still queued."""
    counts = dict(
        UpdateRecipient.objects.filter(update=update)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return Progress(
        queued=counts.get(RecipientStatus.QUEUED, 0) + counts.get(RecipientStatus.SENDING, 0),
        sent=counts.get(RecipientStatus.SENT, 0),
        failed=counts.get(RecipientStatus.FAILED, 0),
        skipped=counts.get(RecipientStatus.SKIPPED, 0),
    )


def recipients_send(update: Update, *, seconds: float) -> datetime | None:
    """Send to claimed recipients for about `seconds`; when to come back, or None once
    nobody is left to send to."""
    deadline = time.monotonic() + seconds
    sender = _Sender(update)
    exhausted = relay_down = False
    with _commits_unflushed():
        try:
            while not (exhausted or relay_down) and time.monotonic() < deadline:
                batch = _claim(update, _batch_size())
                exhausted = not batch
                relay_down = bool(batch) and not sender.send(batch)
        finally:
            sender.close()
    if relay_down:
        return timezone.now() + RETRY_DELAYS[0]
    return _finish_or_wait(update) if exhausted else timezone.now()


@contextmanager
def _commits_unflushed() -> Iterator[None]:
    """While this sender runs, its commits do not wait for the disk (PostgreSQL's
    synchronous_commit off, SQLite's synchronous NORMAL in WAL mode). A killed worker loses
    nothing: the database has every commit. Only a crash of the machine, or of the
    PostgreSQL server, may lose the last few records, whose recipients then get the update
    again with the same Message-ID. Signatures keep their durable commits: this is the
    sender's own connection, set back when it is done."""
    if connection.in_atomic_block:  # as in a test: a transaction cannot change it
        yield
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO off")
            restore = "RESET synchronous_commit"
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous")
            restore = f"PRAGMA synchronous = {int(cursor.fetchone()[0])}"
            cursor.execute("PRAGMA synchronous = NORMAL")
        else:
            restore = ""
    try:
        yield
    finally:
        if restore:
            with connection.cursor() as cursor:
                cursor.execute(restore)


def _batch_size() -> int:
    rate = settings.UPDATE_SEND_RATE
    return max(1, min(BATCH_MAX, int(rate))) if rate else BATCH_MAX


def _ready(now: datetime) -> Q:
    waiting_done = Q(not_before__isnull=True) | Q(not_before__lte=now)
    lapsed = Q(status=RecipientStatus.SENDING, claimed_until__lt=now)
    return (Q(status=RecipientStatus.QUEUED) & waiting_done) | lapsed


def _claim(update: Update, size: int) -> list[UpdateRecipient]:
    """Take up to `size` rows for this sender with a conditional UPDATE, committed before
    any message goes out. Rows whose claim lapsed (their sender died) are taken again."""
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        ready = UpdateRecipient.objects.filter(_ready(now), update=update).order_by("pk")
        ids = list(ready.select_for_update(skip_locked=True).values_list("pk", flat=True)[:size])
        if not ids:
            return []
        UpdateRecipient.objects.filter(_ready(now), pk__in=ids).update(
            status=RecipientStatus.SENDING,
            claimed_by=token,
            claimed_until=now + timedelta(seconds=settings.TASK_LEASE_SECONDS),
            attempts=F("attempts") + 1,
        )
    return list(UpdateRecipient.objects.filter(claimed_by=token).order_by("pk"))


class _Sender:
    """One connection to the relay, kept across batches, and the send rate's clock."""

    def __init__(self, update: Update) -> None:
        self.update = update
        self.mail = UpdateMail(update)
        self.languages: dict[int, str] = {}  # of the signatures of the batch being sent
        self.connection: BaseEmailBackend | None = None
        self.open = ExitStack()

    def send(self, batch: list[UpdateRecipient]) -> bool:
        """Send a claimed batch; False if the relay failed for now, and sending should
        wait. Rows not reached are put back untried, and so is the rest of a batch whose
        claim is half gone: a claim never lapses while its sender still uses it."""
        claimed = time.monotonic()
        addresses = self._addresses(batch)
        start = _reserve_slots(self.update, len(batch))
        rate = settings.UPDATE_SEND_RATE
        for number, row in enumerate(batch):
            if time.monotonic() - claimed > settings.TASK_LEASE_SECONDS / 2:
                _put_back(batch[number:])
                return True
            if rate:
                _sleep_until(start + timedelta(seconds=number / rate))
            try:
                self._send_one(row, addresses.get(row.signature_id, ""))
            except TemporaryFailure as failure:
                self.close()
                _retry_later(row, str(failure))
                _put_back(batch[number + 1 :], until=timezone.now() + RETRY_DELAYS[0])
                return False
        return True

    def _addresses(self, batch: list[UpdateRecipient]) -> dict[int, str]:
        """What the rule allows now for each row's signature; a withdrawn one is missing."""
        letter = self.update.letter
        signatures = list(Signature.objects.filter(pk__in=[row.signature_id for row in batch]))
        self.languages = {signature.pk: signature.language for signature in signatures}
        return update_addresses(letter, signatures)

    def _send_one(self, row: UpdateRecipient, address: str) -> None:
        if not address or email_key(address) != row.address_key:
            # Withdrawn, unsubscribed or no longer counted since the list was made.
            _record(row, RecipientStatus.SKIPPED)
            return
        language = self.languages.get(row.signature_id, "")
        message = self.mail.to(address, address_key=row.address_key, language=language)
        key = f"update:{self.update.pk}:{row.address_key}"
        message.extra_headers["Message-ID"] = message_id(key)
        refusal = message_deliver(self._connection(), message, key=key)
        if refusal:
            _record(row, RecipientStatus.FAILED, error=refusal)
        else:
            _record(row, RecipientStatus.SENT)

    def _connection(self) -> BaseEmailBackend:
        if self.connection is None:
            self.connection = self.open.enter_context(relay_connection())
        return self.connection

    def close(self) -> None:
        self.open.close()
        self.connection = None


def _record(row: UpdateRecipient, status: RecipientStatus, *, error: str = "") -> None:
    UpdateRecipient.objects.filter(pk=row.pk, claimed_by=row.claimed_by).update(
        status=status,
        claimed_by="",
        claimed_until=None,
        sent_at=timezone.now() if status == RecipientStatus.SENT else None,
        error=error,
    )


def _retry_later(row: UpdateRecipient, error: str) -> None:
    """After the relay refused this row's message for now, or did not answer: it waits
    for its next try, or fails after its last."""
    if row.attempts > len(RETRY_DELAYS):
        logger.warning("Update recipient %s failed after %d tries.", row.pk, row.attempts)
        _record(row, RecipientStatus.FAILED, error=error[:1000])
        return
    UpdateRecipient.objects.filter(pk=row.pk, claimed_by=row.claimed_by).update(
        status=RecipientStatus.QUEUED,
        claimed_by="",
        claimed_until=None,
        not_before=timezone.now() + RETRY_DELAYS[row.attempts - 1],
        error=error[:1000],
    )


def _put_back(rows: list[UpdateRecipient], until: datetime | None = None) -> None:
    """Claimed rows this sender did not try: queued again, without the try counted."""
    UpdateRecipient.objects.filter(
        pk__in=[row.pk for row in rows], claimed_by__in={row.claimed_by for row in rows}
    ).update(
        status=RecipientStatus.QUEUED,
        claimed_by="",
        claimed_until=None,
        attempts=F("attempts") - 1,
        not_before=until,
    )


def _reserve_slots(update: Update, number: int) -> datetime:
    """Book `number` sends on the update's clock, shared by its senders; when to start."""
    now = timezone.now()
    rate = settings.UPDATE_SEND_RATE
    if not rate:
        return now
    for _try in range(50):
        booked = Update.objects.filter(pk=update.pk).values_list("next_slot_at", flat=True).get()
        start = max(now, booked) if booked else now
        end = start + timedelta(seconds=number / rate)
        if Update.objects.filter(pk=update.pk, next_slot_at=booked).update(next_slot_at=end):
            return start
        now = timezone.now()
    return now


def _sleep_until(moment: datetime) -> None:
    wait = (moment - timezone.now()).total_seconds()
    if wait > 0:
        time.sleep(wait)


def _finish_or_wait(update: Update) -> datetime | None:
    """None once every row is sent, failed or skipped (and the update is marked sent);
    otherwise when a row waiting for a retry, or held by another sender, is due."""
    waiting = UpdateRecipient.objects.filter(
        update=update, status__in=(RecipientStatus.QUEUED, RecipientStatus.SENDING)
    ).aggregate(
        retry=Min("not_before", filter=Q(status=RecipientStatus.QUEUED)),
        held=Min("claimed_until", filter=Q(status=RecipientStatus.SENDING)),
        queued=Count("pk", filter=Q(status=RecipientStatus.QUEUED)),
        sending=Count("pk", filter=Q(status=RecipientStatus.SENDING)),
    )
    if not waiting["queued"] and not waiting["sending"]:
        Update.objects.filter(pk=update.pk, finished_at__isnull=True).update(
            status=UpdateStatus.SENT, finished_at=timezone.now()
        )
        return None
    if waiting["queued"] and waiting["retry"] is None:
        return timezone.now()  # queued rows arrived while this sender ran
    due = [moment for moment in (waiting["retry"], waiting["held"]) if moment is not None]
    return min(due)
