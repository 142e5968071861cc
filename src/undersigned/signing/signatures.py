"""Writes to signatures: signing a letter, confirming and withdrawing a signature."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.letters.models import CommentReview, Eligibility, Letter, LetterVersion
from undersigned.lib.email_address import email_domain, email_key
from undersigned.lib.group_commit import GroupCommit
from undersigned.lib.memo import Memo
from undersigned.lib.rate_limit import RateLimit

from . import tasks
from .counts import count_forget
from .eligibility import Proof, check_eligible, is_listed_domain, proof_for
from .events import event_record, events_record
from .models import (
    CommentState,
    ConfirmationQuota,
    EventKind,
    Level,
    Signature,
    State,
    name_as_kept,
)
from .recipients import Purpose, recipient
from .tokens import CONFIRM_MAX_AGE

# A second attempt with a known address sends at most one reminder in this window, and
# at most MAX_REMINDERS in all: with the confirmation, a few emails per address and letter.
REMINDER_INTERVAL = timedelta(hours=1)
MAX_REMINDERS = 2


@dataclass(frozen=True)
class SignatureInput:
    """What a signer submitted, already parsed by the sign form."""

    name: str
    email: str
    display: str
    consent_updates: bool
    contact_email: str = ""
    text_hash: str = ""
    # The language of the page the signer read (a code of LANGUAGES; "" for the default).
    language: str = ""
    details: dict[str, str] = field(default_factory=dict)
    # Where it came from, as keyed hashes only (lib/network.py), and the codes of the
    # abuse rules it tripped (abuse.py): a suspect signature is held when confirmed.
    ip_hash: str = ""
    subnet_hash: str = ""
    suspect: str = ""
    # The `?source=` tag of the link the signer followed, as forms.source_tag leaves it.
    source: str = ""


def signature_create(*, letter: Letter, data: SignatureInput) -> Signature:
    """Record a signature and enqueue its confirmation email in the same transaction.

    A second attempt with an address that already signed returns the existing
    signature, changes nothing and at most sends a reminder, so the caller can answer
    both exactly alike and never reveal whether the address had signed.
    """
    signature = signature_build(letter=letter, data=data)
    return signature_writes.run(lambda: _signature_record(letter, signature))


# The writes of signing and confirming, committed in groups (lib/group_commit.py): the
# one transaction of each runs in a savepoint of its group's.
signature_writes = GroupCommit("signature-writes")


def _signature_record(letter: Letter, signature: Signature) -> Signature:
    try:
        # A second attempt rolls back its claim with its insert, so only new signatures
        # use the quota; yet a spent quota refuses both alike, revealing nothing.
        with transaction.atomic():
            _confirmation_quota_claim(signature.email_key)
            signature.save()
    except IntegrityError:
        return _signature_remind(letter, signature.email_key)
    tasks.send_confirmation.enqueue(signature.pk)
    return signature


def signature_build(*, letter: Letter, data: SignatureInput) -> Signature:
    """A pending signature made from what a signer submitted, validated and not saved."""
    if not letter.is_open:
        raise ValidationError(_("This letter is not open for signatures."), code="closed")
    if data.display not in dict(letter.display_choices):
        raise ValidationError(_("Choose how your name is shown."), code="display")
    check_eligible(letter, data.email)
    _check_contact_email(letter, data)
    key = email_key(data.email)
    version = _version_seen(letter, data.text_hash)
    now = timezone.now()
    signature = Signature(
        letter=letter,
        letter_version=version,
        name=name_as_kept(data.name, data.display),
        email=data.email,
        email_key=key,
        email_domain=email_domain(data.email),
        contact_email=data.contact_email,
        display=data.display,
        language=data.language or settings.LANGUAGE_CODE,
        consent_updates=data.consent_updates,
        consent_wording=letter.consent_wording if data.consent_updates else "",
        consent_at=now if data.consent_updates else None,
        ip_hash=data.ip_hash,
        subnet_hash=data.subnet_hash,
        suspect=data.suspect,
        source=data.source,
        comment_state=_comment_state(letter, data.details.get("comment", "")),
        **data.details,
    )
    # The letter and its version were just read: checking that they exist reads them again.
    signature.full_clean(
        exclude=["letter", "letter_version"], validate_unique=False, validate_constraints=False
    )
    return signature


def _comment_state(letter: Letter, comment: str) -> CommentState:
    """Whether a comment shows at once or waits for a moderator, as the letter asks."""
    if not comment:
        return CommentState.NONE
    if letter.comment_review == CommentReview.BEFORE:
        return CommentState.WAITING
    return CommentState.SHOWN


def _check_contact_email(letter: Letter, data: SignatureInput) -> None:
    """On a letter for listed domains, the work address is written to once, to prove it;
    updates need a personal address, which must not be another work address."""
    if letter.eligibility != Eligibility.DOMAINS:
        return
    if data.contact_email and is_listed_domain(letter, email_domain(data.contact_email)):
        raise ValidationError(
            _("Give a personal address here, not one at %(domains)s.")
            % {"domains": ", ".join(letter.domain_list)},
            code="contact_at_work",
        )
    if data.consent_updates and not data.contact_email:
        raise ValidationError(
            _(
                "To receive updates, give a personal address: we never write to your work "
                "address again after the one email that proves it."
            ),
            code="contact_needed",
        )


def _confirmation_quota_claim(key: str) -> None:
    """Signing many letters with someone else's address must not flood their inbox."""
    table = ConfirmationQuota._meta.db_table
    # One statement on the signing hot path: create the day's row, or take one more from
    # it while any is left. SQLite (3.24+) and PostgreSQL both speak this upsert, and both
    # report no changed row when the WHERE refuses the update.
    with connection.cursor() as cursor:
        cursor.execute(  # the table name is the model's own, never input (B608)
            f"INSERT INTO {table} (email_key, day, used) VALUES (%s, %s, 1) "  # noqa: S608 # nosec B608
            f"ON CONFLICT (email_key, day) DO UPDATE SET used = {table}.used + 1 "
            f"WHERE {table}.used < %s",
            [key, timezone.now().date(), settings.CONFIRMATIONS_PER_ADDRESS_PER_DAY],
        )
        claimed = cursor.rowcount
    if not claimed:
        raise ValidationError(
            _("This address was sent too many confirmation emails today. Try again tomorrow."),
            code="address_flooded",
        )


_versions_seen: Memo[tuple[int, str], LetterVersion] = Memo(lambda: settings.LETTER_CACHE_SECONDS)


def _version_seen(letter: Letter, text_hash: str) -> LetterVersion:
    """The version whose text the signer was shown (a translation's among them), or the
    current one of the letter's own text if unknown; read at most once in
    LETTER_CACHE_SECONDS by each process, as the letter is."""
    return _versions_seen.get((letter.pk, text_hash), lambda: _version_read(letter, text_hash))


def _version_read(letter: Letter, text_hash: str) -> LetterVersion:
    versions = LetterVersion.objects.filter(letter=letter)
    seen = versions.filter(text_hash=text_hash).first() if text_hash else None
    current = seen or versions.filter(language="").order_by("-number").first()
    if current is None:
        raise ValidationError(_("This letter is not open for signatures."), code="closed")
    return current


def _signature_remind(letter: Letter, key: str) -> Signature:
    existing = Signature.objects.select_related("letter").get(letter=letter, email_key=key)
    if not recipient(existing, Purpose.REMINDER):
        return existing
    now = timezone.now()
    due = Q(reminded_at__isnull=True) | Q(reminded_at__lt=now - REMINDER_INTERVAL)
    reminders = Signature.objects.filter(due, pk=existing.pk, reminders_sent__lt=MAX_REMINDERS)
    if reminders.update(reminded_at=now, reminders_sent=F("reminders_sent") + 1):
        tasks.send_reminder.enqueue(existing.pk, existing.reminders_sent + 1)
    return existing


def signature_confirm(*, signature_id: int, institution: str = "") -> Signature | None:
    """Confirm a pending signature and count it; confirming twice is harmless, and None
    says the signature was withdrawn.

    An address that proves something (an academic domain, or one of the letter's listed
    domains) makes the signature verified, and is then forgotten: only its keyed hash and
    its domain stay, unless the signer asked for updates and gave no other address, on a
    letter not for listed domains, where it stays as the address they asked us to use.
    Where the domain belongs to several institutions, `institution` is the signer's pick.
    """
    return signature_writes.run(lambda: _signature_count(signature_id, institution))


def _signature_count(signature_id: int, institution: str) -> Signature | None:
    signature = Signature.objects.loaded(signature_id)
    if signature is None or signature.state != State.PENDING:
        return signature  # withdrawn meanwhile, or confirmed already
    if signature.letter.is_taken_down:
        raise ValidationError(_("This letter was taken down: signatures no longer count."))
    proof = proof_for(signature.letter, signature.email_domain)
    changes = _confirmation(signature, proof, institution, at=timezone.now())
    if signature.suspect:
        changes["state"] = State.HELD  # counted only once a moderator clears it
    if Signature.objects.filter(pk=signature_id, state=State.PENDING).update(**changes):
        for name, value in changes.items():
            setattr(signature, name, value)
        if signature.state == State.HELD:
            events_record(
                signature.letter_id,
                [(signature, _event_kind(proof), 0), (signature, EventKind.HELD, 0)],
            )
        else:
            event_record(signature, _event_kind(proof), counted=1)
        # A held signature's signer hears exactly what anyone else would.
        if recipient(signature, Purpose.CONFIRMED_NOTE):
            tasks.send_confirmed.enqueue(signature_id)
    return signature


def _confirmation(
    signature: Signature, proof: Proof, institution: str, *, at: datetime
) -> dict[str, object]:
    """What confirming leaves on a signature, whoever confirms it."""
    changes: dict[str, object] = {
        "state": State.COUNTED,
        "level": Level.CONFIRMED,
        "confirmed_at": at,
    }
    if proof.verified:
        changes.update(
            level=Level.VERIFIED,
            institution=_institution_picked(proof.institutions, institution),
            email="",
            contact_email=signature.contact_email or _kept_for_updates(signature),
        )
    return changes


def _event_kind(proof: Proof) -> EventKind:
    return EventKind.VERIFIED if proof.verified else EventKind.CONFIRMED


@dataclass(frozen=True)
class Confirmed:
    """A signature confirmed outside the sign form: its input, when, and the pick among
    several institutions where its domain has more than one."""

    data: SignatureInput
    at: datetime
    institution: str = ""


def signatures_add_confirmed(*, letter: Letter, confirmed: Sequence[Confirmed]) -> int:
    """Record signatures that were confirmed elsewhere (the demo's) exactly as signing and
    confirming each would have left them, with their events and their count, in bulk."""
    signatures = []
    for entry in confirmed:
        signature = signature_build(letter=letter, data=entry.data)
        proof = proof_for(letter, signature.email_domain)
        for name, value in _confirmation(signature, proof, entry.institution, at=entry.at).items():
            setattr(signature, name, value)
        if signature.consent_updates:
            signature.consent_at = entry.at
        signatures.append((signature, _event_kind(proof)))
    with transaction.atomic():
        Signature.objects.bulk_create([signature for signature, _kind in signatures])
        events_record(letter.pk, [(signature, kind, 1) for signature, kind in signatures])
    return len(signatures)


def _institution_picked(institutions: tuple[str, ...], picked: str) -> str:
    if len(institutions) <= 1:
        return institutions[0] if institutions else ""
    if picked not in institutions:
        raise ValidationError(
            _("Your address belongs to several institutions. Choose yours."),
            code="institution",
        )
    return picked


def _kept_for_updates(signature: Signature) -> str:
    asked = signature.consent_updates and signature.letter.eligibility != Eligibility.DOMAINS
    return signature.email if asked else ""


def signature_withdraw(*, signature_id: int) -> bool:
    """Remove a signature and everything it holds, and take it off the count. Final.

    Returns False if it was already gone. The row is locked first, so a withdrawal
    racing a confirmation takes off exactly what was added.
    """
    with transaction.atomic():
        signature = Signature.objects.select_for_update().filter(pk=signature_id).first()
        if signature is None:
            return False
        event_record(signature, EventKind.WITHDRAWN, counted=-1 if signature.is_counted else 0)
        signature.delete()
        transaction.on_commit(lambda: count_forget(signature.letter_id))
    return True


def manage_link_request(*, letter: Letter, address: str) -> None:
    """Send a link to the manage page to the address kept for contact, if there is one.

    Whatever the address, the caller answers alike, so nobody learns who signed. A
    verified work address is never written to again: its signer uses the link in the
    one email it received.
    """
    signature = (
        Signature.objects.filter(letter=letter)
        .select_related("letter")
        .filter(Q(email_key=email_key(address)) | Q(contact_email__iexact=address.strip()))
        .first()
    )
    if signature is None or not recipient(signature, Purpose.MANAGE_LINK):
        return
    limit = RateLimit.parse("manage-link", settings.MANAGE_LINKS_PER_SIGNATURE)
    if limit.hit(str(signature.pk)):
        tasks.send_manage_link.enqueue(signature.pk, uuid.uuid4().hex)


def signatures_forget_unconfirmed() -> int:
    """Delete signatures whose confirmation link has expired unused, with their address,
    and the quotas of days gone by.

    They never counted, and an address nobody confirmed is not ours to keep.
    """
    expired = timezone.now() - timedelta(seconds=CONFIRM_MAX_AGE)
    deleted, _ = Signature.objects.unconfirmed_since(expired).delete()
    ConfirmationQuota.objects.filter(day__lt=timezone.now().date() - timedelta(days=1)).delete()
    return deleted
