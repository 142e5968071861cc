"""Building a message from one template set, and sending it at most once per key.

A sender claims the message's key before it asks the relay and records the relay's
answer after, so a task run again after a crash skips what went out. The one gap left is
a crash between the relay's acceptance and the record: then the message goes out twice,
with the same Message-ID, which mail clients show once.

A sender of one message at a time (a worker running one task per email) keeps one
connection to the relay open for the next message (`kept_relay_connection`), instead of
a connection, a greeting and a goodbye for every message.
"""

import hashlib
import logging
import smtplib
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.db import connection as database
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import SentMessage

logger = logging.getLogger(__name__)


# After a temporary failure (the relay busy, out of reach or silent), try again after these
# delays; after the last, give up. Every sender of mail keeps to it.
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30))


class TemporaryFailure(Exception):
    """The relay could not take the message now (4xx, or no connection): try again later."""


class Outcome(Enum):
    SENT = "sent"
    ALREADY_SENT = "already sent"
    REFUSED = "refused"  # permanently: retrying would not help


@dataclass(frozen=True)
class Rendered:
    """A message's subject, plain text and HTML, rendered from one template set."""

    subject: str
    text: str
    html: str

    def replaced(self, old: str, new: str) -> "Rendered":
        """The same with a placeholder filled in, in the text and the HTML: a message
        rendered once for many recipients, each with a link of their own."""
        return Rendered(self.subject, self.text.replace(old, new), self.html.replace(old, new))

    def message(
        self,
        *,
        to: str,
        headers: dict[str, str] | None = None,
        from_email: str | None = None,
        reply_to: str = "",
    ) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            from_email=from_email,
            to=[to],
            reply_to=[reply_to] if reply_to else None,
            headers=headers or {},
        )
        message.attach_alternative(self.html, "text/html")
        return message


def message_render(name: str, context: dict[str, object]) -> Rendered:
    """`<name>_subject.txt`, `<name>.txt` and `<name>.html` rendered with `context`."""
    return Rendered(
        subject=" ".join(render_to_string(f"{name}_subject.txt", context).split()),
        text=render_to_string(f"{name}.txt", context),
        html=render_to_string(f"{name}.html", context),
    )


def message_build(
    name: str,
    *,
    to: str,
    context: dict[str, object],
    headers: dict[str, str] | None = None,
    from_email: str | None = None,
    reply_to: str = "",
) -> EmailMultiAlternatives:
    """One message from one template set (message_render) rendered with `context`."""
    return message_render(name, context).message(
        to=to, headers=headers, from_email=from_email, reply_to=reply_to
    )


def message_send_once(message: EmailMessage, *, key: str) -> Outcome:
    """Send one message unless the message with this key went out already, over the
    connection to the relay this process keeps (kept_relay_connection)."""
    with kept_relay_connection() as connection, _records_unflushed():
        outcome = _send_once(connection, message, key)
        if outcome == Outcome.REFUSED:
            _kept_close()  # whatever the relay disliked, the next message starts afresh
        return outcome


def messages_send_once(batch: Iterable[tuple[str, EmailMessage]]) -> dict[str, Outcome]:
    """Send (key, message) pairs over one connection to the relay, each at most once.

    A temporary failure stops the batch there and raises, so the caller retries it; what
    went out before it is recorded and skipped next time.
    """
    outcomes = {}
    with relay_connection() as connection:
        for key, message in batch:
            outcomes[key] = _send_once(connection, message, key)
    return outcomes


@contextmanager
def relay_connection() -> Iterator[BaseEmailBackend]:
    """One open connection to the relay; TemporaryFailure if it cannot be reached."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as error:
        raise TemporaryFailure(f"cannot reach the mail relay: {error}") from error
    try:
        yield connection
    finally:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.warning("The mail relay connection did not close cleanly.")


# A kept connection idle for longer than this is checked (SMTP NOOP) before it is used
# again, and one idle for longer than KEPT_IDLE_MAX is closed and opened anew: relays hang
# up on idle clients after a while (RFC 5321 asks them to wait at least five minutes).
KEPT_IDLE_CHECK = 1.0
KEPT_IDLE_MAX = 60.0
# Some relays take only so many messages on one connection; this stays well below them.
KEPT_MAX_MESSAGES = 100


class _Kept(threading.local):
    """This thread's connection to the relay, with what it was opened for."""

    connection: BaseEmailBackend | None = None
    opened_for: tuple[object, ...] = ()
    last_used = 0.0
    messages = 0


_kept = _Kept()


def _relay_settings() -> tuple[object, ...]:
    names = ("EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_USE_TLS")
    return tuple(getattr(settings, name, None) for name in (*names, "EMAIL_USE_SSL"))


@contextmanager
def kept_relay_connection() -> Iterator[BaseEmailBackend]:
    """This thread's open connection to the relay, opened on first use and kept for the
    next message; TemporaryFailure if the relay cannot be reached.

    A connection idle for a while is asked whether it is still there (NOOP) and opened
    anew if not: nothing was handed over on it, so nothing can go out twice. Any error
    while it is used closes it, and the next message opens a new one; the message it
    happened to is never handed over again on the strength of that error (the caller's
    TemporaryFailure lets its claim lapse and its task try again later, RETRY_DELAYS).
    """
    now = time.monotonic()
    if _kept.connection is not None and (
        _kept.opened_for != _relay_settings()
        or _kept.messages >= KEPT_MAX_MESSAGES
        or now - _kept.last_used > KEPT_IDLE_MAX
        or (now - _kept.last_used > KEPT_IDLE_CHECK and not _still_there(_kept.connection))
    ):
        _kept_close()
    if _kept.connection is None:
        connection = get_connection(fail_silently=False)
        try:
            connection.open()
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(f"cannot reach the mail relay: {error}") from error
        _kept.connection, _kept.opened_for, _kept.messages = connection, _relay_settings(), 0
    try:
        yield _kept.connection
    except BaseException:
        _kept_close()
        raise
    _kept.messages += 1
    _kept.last_used = time.monotonic()


def _still_there(connection: BaseEmailBackend) -> bool:
    smtp = getattr(connection, "connection", None)  # the SMTP backend's smtplib.SMTP
    if smtp is None:
        return True  # a backend with nothing to lose (console, outbox, locmem)
    try:
        return int(smtp.noop()[0]) == 250
    except (smtplib.SMTPException, OSError):
        return False


def _kept_close() -> None:
    connection, _kept.connection = _kept.connection, None
    if connection is not None:
        try:
            connection.close()
        except (smtplib.SMTPException, OSError):
            logger.info("A kept mail relay connection did not close cleanly.")


def _forget_kept(*, setting: str, **_kwargs: object) -> None:
    """Another relay configured (as tests do): the kept connection is for the old one."""
    if setting.startswith("EMAIL_"):
        _kept_close()


setting_changed.connect(_forget_kept)


@contextmanager
def _records_unflushed() -> Iterator[None]:
    """On SQLite, the claim and the record of one message commit without waiting for the
    disk (synchronous NORMAL in WAL mode), as an update's records do: each such commit held
    the one write lock, which signing waits for, through an fsync. A killed worker loses
    nothing, since the database has every commit; a crash of the machine may lose the last
    records, whose messages then go out again with the same Message-ID. The task queue's own
    commits, and everything else on the connection, stay as configured: the next of them
    flushes these too. PostgreSQL's commits hold no lock others wait for, so there nothing
    changes."""
    if database.vendor != "sqlite" or database.in_atomic_block:  # a test's transaction
        yield
        return
    with database.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        restore = f"PRAGMA synchronous = {int(cursor.fetchone()[0])}"
        cursor.execute("PRAGMA synchronous = NORMAL")
    try:
        yield
    finally:
        with database.cursor() as cursor:
            cursor.execute(restore)


def _send_once(connection: BaseEmailBackend, message: EmailMessage, key: str) -> Outcome:
    claim = _claim(key)
    if claim is None:
        refused = SentMessage.objects.filter(key=key).exclude(refused="").exists()
        return Outcome.REFUSED if refused else Outcome.ALREADY_SENT
    message.extra_headers["Message-ID"] = claim.message_id
    try:
        refusal = message_deliver(connection, message, key=key)
    except TemporaryFailure:
        SentMessage.objects.filter(pk=claim.pk).update(claimed_until=None)
        raise
    if refusal:
        SentMessage.objects.filter(pk=claim.pk).update(refused=refusal)
        return Outcome.REFUSED
    SentMessage.objects.filter(pk=claim.pk).update(sent_at=timezone.now(), claimed_until=None)
    return Outcome.SENT


def message_deliver(connection: BaseEmailBackend, message: EmailMessage, *, key: str) -> str:
    """Hand one message to the relay: "" once it took it, the relay's words if it refused
    it for good (5xx); TemporaryFailure for anything a later try may mend."""
    try:
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        code = _code(error)
        if code is not None and 500 <= code < 600:
            logger.warning("The relay refused message %s for good: %s", key, code)
            return str(error)[:1000] or str(code)
        raise TemporaryFailure(f"the mail relay did not take message {key}: {error}") from error
    return ""


def _claim(key: str) -> SentMessage | None:
    """Take the message's key for a while, unless it went out or was refused; each claim
    is committed before the relay is asked.

    A key another sender holds is not sent yet: that sender may have died before the relay
    answered (its task is taken up again when the task's lease runs out, which can be
    before this claim's does), so the caller tries again later.
    """
    now = timezone.now()
    until = now + timedelta(seconds=settings.TASK_LEASE_SECONDS)
    try:
        with transaction.atomic():
            return SentMessage.objects.create(
                key=key, message_id=message_id(key), claimed_until=until, attempts=1
            )
    except IntegrityError:
        pass
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    taken = SentMessage.objects.filter(free, key=key, sent_at__isnull=True, refused="").update(
        claimed_until=until, attempts=F("attempts") + 1
    )
    if taken:
        return SentMessage.objects.get(key=key)
    if SentMessage.objects.filter(key=key, sent_at__isnull=True, refused="").exists():
        raise TemporaryFailure(f"another sender holds message {key}")
    return None


def message_id(key: str) -> str:
    """The same Message-ID on every attempt, so a duplicate reads as one message."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{key}".encode()).hexdigest()[:32]
    return f"<{digest}@{urlsplit(settings.BASE_URL).hostname or 'localhost'}>"


def _code(error: BaseException) -> int | None:
    """The SMTP reply code of a refusal; for several recipients, the mildest of them."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return min(codes) if codes else None
    if isinstance(error, smtplib.SMTPResponseException):
        return int(error.smtp_code)
    return None
