"""Writes that move a letter through its life: draft, open, edited in the open, closed."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Letter, LetterVersion, Status


def letter_publish(*, letter: Letter) -> Letter:
    """Open a draft (or in-review) letter for signatures, recording the text as version 1."""
    if letter.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError("Only a draft letter can be published.", code="not_draft")
    if not letter.targets.exists():
        raise ValidationError("Add at least one target before publishing.", code="no_target")
    letter.full_clean()
    with transaction.atomic():
        updated = Letter.objects.filter(
            pk=letter.pk, status__in=(Status.DRAFT, Status.IN_REVIEW)
        ).update(status=Status.OPEN, published_at=timezone.now())
        if not updated:
            raise ValidationError("Only a draft letter can be published.", code="not_draft")
        letter.refresh_from_db()
        _version_record(letter)
    return letter


def letter_text_changed(*, letter: Letter) -> LetterVersion | None:
    """After a public letter's text was saved: keep a new version if the text differs."""
    if not letter.is_public:
        return None
    with transaction.atomic():
        latest = letter.versions.order_by("-number").first()
        if latest is not None and latest.text_hash == letter.text_hash():
            return None
        version = _version_record(letter)
        Letter.objects.filter(pk=letter.pk).update(text_changed_at=version.created_at)
        letter.text_changed_at = version.created_at
    return version


def _version_record(letter: Letter) -> LetterVersion:
    last = letter.versions.aggregate(n=Max("number"))["n"] or 0
    return LetterVersion.objects.create(
        letter=letter,
        number=last + 1,
        title=letter.title,
        body=letter.body,
        demands=letter.demands,
        pledge=letter.pledge,
        text_hash=letter.text_hash(),
    )


def letter_close(*, letter: Letter) -> Letter:
    closing = Letter.objects.filter(pk=letter.pk, status=Status.OPEN)
    if not closing.update(status=Status.CLOSED, retention_from=timezone.now()):
        raise ValidationError("Only an open letter can be closed.", code="not_open")
    letter.refresh_from_db()
    return letter
