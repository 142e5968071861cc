"""Writes that move a letter through its life: draft, in review, open, edited in the open,
closed; and a platform moderator's takedown of a public letter, and its reinstatement."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    PUBLIC_STATUSES,
    Letter,
    LetterTranslation,
    LetterVersion,
    Status,
    Takedown,
)


def letter_submit(*, letter: Letter) -> Letter:
    """What the organiser's Publish does: where LETTERS_NEED_REVIEW is on, the draft waits
    in review for a platform moderator (whose approval calls letter_publish); otherwise it
    opens at once. Editing a letter in review is allowed, and it stays in review."""
    if not settings.LETTERS_NEED_REVIEW:
        return letter_publish(letter=letter)
    return letter_submit_for_review(letter=letter)


def letter_submit_for_review(*, letter: Letter) -> Letter:
    """A draft waits in review, whatever LETTERS_NEED_REVIEW says."""
    if letter.status != Status.DRAFT:
        raise ValidationError(_("Only a draft letter can be sent for review."), code="not_draft")
    _check_ready(letter)
    submitted = Letter.objects.filter(pk=letter.pk, status=Status.DRAFT)
    if not submitted.update(status=Status.IN_REVIEW, review_note=""):
        raise ValidationError(_("Only a draft letter can be sent for review."), code="not_draft")
    letter.refresh_from_db()
    return letter


def letter_review_reject(*, letter: Letter, note: str) -> Letter:
    """Send a letter in review back to its organisers as a draft, with the moderator's
    reason; they fix it and submit it again."""
    note = note.strip()
    if not note:
        raise ValidationError(_("Say why the letter is sent back."), code="no_note")
    rejected = Letter.objects.filter(pk=letter.pk, status=Status.IN_REVIEW)
    if not rejected.update(status=Status.DRAFT, review_note=note):
        raise ValidationError(_("Only a letter in review can be sent back."), code="not_in_review")
    letter.refresh_from_db()
    return letter


def letter_take_down(*, letter: Letter, reason: str) -> Letter:
    """Take a public letter down: its pages say so and why, signing stops, and nothing is
    deleted. Within LETTER_CACHE_SECONDS every process shows it (letters.access)."""
    if reason not in Takedown.values:
        raise ValidationError(_("Choose why the letter is taken down."), code="no_reason")
    with transaction.atomic():
        taking = Letter.objects.filter(
            pk=letter.pk, status__in=PUBLIC_STATUSES, taken_down_at__isnull=True
        )
        if not taking.update(taken_down_at=timezone.now(), takedown_reason=reason):
            raise ValidationError(_("Only a public letter can be taken down."), code="not_public")
        letter.story_changed()
    letter.refresh_from_db()
    return letter


def letter_reinstate(*, letter: Letter) -> Letter:
    """Put a taken-down letter back up as it was (an appeal upheld)."""
    with transaction.atomic():
        taken = Letter.objects.filter(pk=letter.pk, taken_down_at__isnull=False)
        if not taken.update(taken_down_at=None, takedown_reason=""):
            raise ValidationError(_("The letter is not taken down."), code="not_taken_down")
        letter.story_changed()
    letter.refresh_from_db()
    return letter


def letter_publish(*, letter: Letter) -> Letter:
    """Open a draft (or in-review) letter for signatures, recording the text as version 1."""
    if letter.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError(_("Only a draft letter can be published."), code="not_draft")
    _check_ready(letter)
    with transaction.atomic():
        updated = Letter.objects.filter(
            pk=letter.pk, status__in=(Status.DRAFT, Status.IN_REVIEW)
        ).update(status=Status.OPEN, published_at=timezone.now())
        if not updated:
            raise ValidationError(_("Only a draft letter can be published."), code="not_draft")
        letter.refresh_from_db()
        _version_record(letter)
        for translation in letter.translations.all():
            translation_version_record(translation)
    return letter


def _check_ready(letter: Letter) -> None:
    """What a letter needs before it opens, or goes to review to open."""
    if not letter.targets.exists():
        raise ValidationError(_("Add at least one target before publishing."), code="no_target")
    letter.full_clean()


def letter_text_changed(*, letter: Letter) -> LetterVersion | None:
    """After a public letter's text was saved: keep a new version if the text differs."""
    if not letter.is_public:
        return None
    with transaction.atomic():
        latest = letter.versions.filter(language="").order_by("-number").first()
        if latest is not None and latest.text_hash == letter.text_hash():
            return None
        version = _version_record(letter)
        Letter.objects.filter(pk=letter.pk).update(text_changed_at=version.created_at)
        letter.text_changed_at = version.created_at
    return version


def translation_version_record(translation: LetterTranslation) -> LetterVersion | None:
    """Once a letter is public, keep each text of a translation signers may read as a
    version in its language, so a signature says exactly which text its signer saw."""
    letter = translation.letter
    if not letter.is_public:
        return None
    with transaction.atomic():
        kept = letter.versions.filter(language=translation.language)
        if kept.filter(text_hash=translation.text_hash()).exists():
            return None
        return _version_record(letter, translation, language=translation.language)


def _version_record(
    letter: Letter, text: Letter | LetterTranslation | None = None, *, language: str = ""
) -> LetterVersion:
    """The next version of the letter: its own text, or a translation's in `language`."""
    text = text or letter
    last = letter.versions.aggregate(n=Max("number"))["n"] or 0
    return LetterVersion.objects.create(
        letter=letter,
        number=last + 1,
        language=language,
        title=text.title,
        body=text.body,
        demands=text.demands,
        pledge=text.pledge,
        text_hash=text.text_hash(),
    )


def letter_close(*, letter: Letter) -> Letter:
    closing = Letter.objects.filter(pk=letter.pk, status=Status.OPEN)
    if not closing.update(status=Status.CLOSED, retention_from=timezone.now()):
        raise ValidationError(_("Only an open letter can be closed."), code="not_open")
    letter.refresh_from_db()
    return letter
