"""Writes to signatures: signing a letter and confirming a signature."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.letters.models import Letter, LetterVersion
from undersigned.lib.email_address import canonical_email

from . import tasks
from .counts import count_add
from .eligibility import check_eligible
from .models import Level, Signature

# A second attempt with a known address sends at most one reminder in this window.
REMINDER_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class SignatureInput:
    """What a signer submitted, already parsed by the sign form."""

    name: str
    email: str
    display: str
    consent_updates: bool
    text_hash: str = ""
    details: dict[str, str] = field(default_factory=dict)


def signature_create(*, letter: Letter, data: SignatureInput) -> Signature:
    """Record a signature and enqueue its confirmation email in the same transaction.

    A second attempt with an address that already signed returns the existing
    signature, changes nothing and at most sends a reminder, so the caller can answer
    both exactly alike and never reveal whether the address had signed.
    """
    if not letter.is_open:
        raise ValidationError(_("This letter is not open for signatures."), code="closed")
    if data.display not in dict(letter.display_choices):
        raise ValidationError(_("Choose how your name is shown."), code="display")
    check_eligible(letter, data.email)
    version = _version_seen(letter, data.text_hash)
    now = timezone.now()
    signature = Signature(
        letter=letter,
        letter_version=version,
        name=data.name,
        email=data.email,
        email_canonical=canonical_email(data.email),
        display=data.display,
        consent_updates=data.consent_updates,
        consent_wording=letter.consent_wording if data.consent_updates else "",
        consent_at=now if data.consent_updates else None,
        **data.details,
    )
    signature.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        try:
            with transaction.atomic():
                signature.save()
        except IntegrityError:
            return _signature_remind(letter, signature.email_canonical)
        tasks.send_confirmation.enqueue(signature.pk)
    return signature


def _version_seen(letter: Letter, text_hash: str) -> LetterVersion:
    """The version whose text the signer was shown, or the current one if unknown."""
    versions = LetterVersion.objects.filter(letter=letter)
    seen = versions.filter(text_hash=text_hash).first() if text_hash else None
    current = seen or versions.order_by("-number").first()
    if current is None:
        raise ValidationError(_("This letter is not open for signatures."), code="closed")
    return current


def _signature_remind(letter: Letter, email_canonical: str) -> Signature:
    existing = Signature.objects.get(letter=letter, email_canonical=email_canonical)
    now = timezone.now()
    due = Q(reminded_at__isnull=True) | Q(reminded_at__lt=now - REMINDER_INTERVAL)
    if Signature.objects.filter(due, pk=existing.pk).update(reminded_at=now):
        tasks.send_reminder.enqueue(existing.pk)
    return existing


def signature_confirm(*, signature_id: int) -> Signature:
    """Mark a pending signature confirmed and count it; confirming twice is harmless."""
    with transaction.atomic():
        signature = Signature.objects.select_related("letter").get(pk=signature_id)
        confirmed = Signature.objects.filter(pk=signature_id, level=Level.PENDING).update(
            level=Level.CONFIRMED, confirmed_at=timezone.now()
        )
        if confirmed:
            count_add(letter_id=signature.letter_id, signature_id=signature_id)
            signature.refresh_from_db()
    return signature
