"""Signatures collected on paper: a batch of rows an organiser enters from sign-up sheets,
counted at once, and removed as a whole.

A signature on paper proves nothing: nobody confirmed the address written on the sheet,
if any. So it is at its own level (Level.PAPER), never confirmed and never verified, is
never written to (recipients.py), and keeps no address at all: an address given only
serves, by its keyed hash, to let nobody sign twice, on paper or online. A row without
one gets a key of its own that no address has.

Each row is checked as the sign form checks a signer's input, where it applies; if any
row is wrong, the batch is refused with every row's errors and nothing is saved.
"""

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.letters.models import (
    POLICY_FIELDS,
    CommentReview,
    Display,
    FieldRule,
    Letter,
    LetterVersion,
)
from undersigned.lib.email_address import email_domain, email_key

from .counts import count_forget
from .eligibility import check_eligible
from .events import events_record
from .forms import MULTILINE, reject_control_characters
from .models import (
    CommentState,
    EventKind,
    Level,
    PaperBatch,
    Signature,
    State,
    name_as_kept,
)

# A batch is what one person enters at one sitting, or one file: a few sheets, or a few
# thousand rows of a spreadsheet; more goes in several batches.
MAX_ROWS = 5000
# The email_key of a row without an address: unique, and no hash of any address (those
# are hex), so no address ever matches it.
NO_ADDRESS_KEY_PREFIX = "paper:"
LABEL_MAX_LENGTH = 100  # PaperBatch.label
ALREADY_SIGNED = gettext_noop("This address has signed this letter already, online or on paper.")


@dataclass(frozen=True, kw_only=True)
class PaperRow:
    """One signature as written on a sheet: what the letter's signing policy asks for."""

    name: str
    email: str = ""
    affiliation: str = ""
    title: str = ""
    department: str = ""
    location: str = ""
    country: str = ""
    postal_code: str = ""
    comment: str = ""
    display: str = Display.FULL
    # Where the row is on its sheet, or in its file, for its errors to name it; 0 for its
    # place in the batch (from 1).
    number: int = 0


# What a row holds that a signer wrote, as opposed to where it is.
WRITTEN = tuple(field.name for field in fields(PaperRow) if field.name != "number")


# The row's fields that are the letter's policy fields (letters.models.POLICY_FIELDS).
DETAILS = tuple(field.name for field in fields(PaperRow) if field.name in POLICY_FIELDS)

# Row errors: by row number (PaperRow.number, or its place from 1), by field ("__all__" for
# the row as a whole), the messages.
RowErrors = dict[int, dict[str, list[str]]]


class PaperRowsRefused(ValidationError):
    """Some rows of a batch cannot be entered; nothing was saved. `rows` says which, and
    why, at each field."""

    def __init__(self, rows: RowErrors) -> None:
        super().__init__(refusal_summary(rows), code="rows")
        self.rows = rows


def refusal_summary(rows: RowErrors) -> str:
    numbers = ", ".join(str(number) for number in sorted(rows))
    return ngettext(
        "Row %(rows)s cannot be entered as it is, so nothing was saved. Correct it and "
        "enter the rows again.",
        "Rows %(rows)s cannot be entered as they are, so nothing was saved. Correct them "
        "and enter the rows again.",
        len(rows),
    ) % {"rows": numbers}


def paper_batch_record(
    *,
    letter: Letter,
    rows: Sequence[PaperRow],
    entered_by: User,
    label: str,
    request: HttpRequest | None = None,
) -> PaperBatch:
    """Enter a batch of signatures collected on paper: every row counted, in one
    transaction with their events and the audit entry; or, if any row is wrong, nothing
    (PaperRowsRefused, with every row's errors)."""
    label = label.strip()
    _check_batch(letter, rows, label)
    signatures, errors = _rows_built(letter, rows)
    if errors:
        raise PaperRowsRefused(errors)
    try:
        return _batch_save(letter, signatures, entered_by, label, request)
    except IntegrityError:
        # An address on the sheet signed online between the check and the insert.
        _duplicates_find(letter, rows, errors)
        refused = errors or {_numbered(rows)[0][0]: {NON_FIELD_ERRORS: [_(ALREADY_SIGNED)]}}
        raise PaperRowsRefused(refused) from None


def paper_rows_check(*, letter: Letter, rows: Sequence[PaperRow]) -> RowErrors:
    """What is wrong with each row, as paper_batch_record would refuse it; saves nothing."""
    _signatures, errors = _rows_built(letter, rows)
    return errors


def _rows_built(letter: Letter, rows: Sequence[PaperRow]) -> tuple[list[Signature], RowErrors]:
    version = _current_version(letter)
    now = timezone.now()
    signatures: list[Signature] = []
    errors: RowErrors = {}
    for number, row in _numbered(rows):
        signature, row_errors = _row_signature(letter, version, row, now)
        if row_errors:
            errors.setdefault(number, {}).update(row_errors)
        else:
            signatures.append(signature)
    _duplicates_find(letter, rows, errors)
    return signatures, errors


def _numbered(rows: Sequence[PaperRow]) -> list[tuple[int, PaperRow]]:
    return [(row.number or place, row) for place, row in enumerate(rows, start=1)]


def _check_batch(letter: Letter, rows: Sequence[PaperRow], label: str) -> None:
    if not letter.is_open:
        raise ValidationError(_("This letter is not open for signatures."), code="closed")
    if not label:
        raise ValidationError(
            _("Say where and when the sheets were signed, like “Rally, 3 May”."), code="label"
        )
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            _("Keep where and when they were signed to %(max)s characters.")
            % {"max": LABEL_MAX_LENGTH},
            code="label",
        )
    if not rows:
        raise ValidationError(_("There is no signature to enter."), code="empty")
    if len(rows) > MAX_ROWS:
        raise ValidationError(
            _("Enter at most %(max)s rows at once: split them into several batches.")
            % {"max": MAX_ROWS},
            code="too_many",
        )


def _current_version(letter: Letter) -> LetterVersion:
    """The version of the letter's own text its signers are signing now: the sheet's."""
    version = LetterVersion.objects.filter(letter=letter, language="").order_by("-number").first()
    if version is None:
        raise ValidationError(_("This letter is not open for signatures."), code="closed")
    return version


def _row_signature(
    letter: Letter, version: LetterVersion, row: PaperRow, now: datetime.datetime
) -> tuple[Signature, dict[str, list[str]]]:
    """The counted signature a row stands for, not saved, and what is wrong with it."""
    errors: dict[str, list[str]] = {}
    text = {name: str(getattr(row, name)).strip() for name in WRITTEN}
    for name, value in text.items():
        try:
            reject_control_characters(value, multiline=name in MULTILINE)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    display = text["display"]
    if display not in dict(letter.display_choices):
        choices = ", ".join(label for _value, label in letter.display_choices)
        errors.setdefault("display", []).append(
            _("Choose how the name is shown: %(choices)s.") % {"choices": choices}
        )
    if not text["name"] and display != Display.ANONYMOUS:
        errors.setdefault("name", []).append(_("Write the name, or tick “Hide my name”."))
    for name in DETAILS:
        rule = letter.field_rule(name)
        if rule == FieldRule.OFF and text[name]:
            errors.setdefault(name, []).append(_("This letter does not ask for it."))
        elif rule == FieldRule.REQUIRED and not text[name]:
            errors.setdefault(name, []).append(_("This letter requires it."))
    key = NO_ADDRESS_KEY_PREFIX + uuid.uuid4().hex
    address = text["email"]
    if address:
        try:
            address = forms.EmailField(max_length=254).clean(address)
            check_eligible(letter, address)
            key = email_key(address)
        except ValidationError as error:
            errors.setdefault("email", []).extend(error.messages)
    signature = Signature(
        letter=letter,
        letter_version=version,
        name=name_as_kept(text["name"], display),
        email_key=key,
        email_domain=email_domain(address) if address else "",
        display=display,
        language=letter.language,
        level=Level.PAPER,
        state=State.COUNTED,
        confirmed_at=now,
        comment_state=_comment_state(letter, text["comment"]),
        **{name: text[name] for name in DETAILS},
    )
    try:
        signature.full_clean(
            exclude=["letter", "letter_version", "paper_batch", "email_domain", *errors],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    return signature, errors


def _comment_state(letter: Letter, comment: str) -> CommentState:
    """Shown at once, or once a moderator approves it, as the letter asks of any comment."""
    if not comment:
        return CommentState.NONE
    if letter.comment_review == CommentReview.BEFORE:
        return CommentState.WAITING
    return CommentState.SHOWN


def _duplicates_find(letter: Letter, rows: Sequence[PaperRow], errors: RowErrors) -> None:
    """Add an error to each row whose address is on an earlier row, or signed already."""
    keys: dict[int, str] = {}
    for number, row in _numbered(rows):
        address = row.email.strip()
        if address and "email" not in errors.get(number, {}):
            keys[number] = email_key(address)
    signed = set(
        Signature.objects.filter(letter=letter, email_key__in=set(keys.values())).values_list(
            "email_key", flat=True
        )
    )
    first: dict[str, int] = {}
    for number, key in keys.items():
        if key in signed:
            errors.setdefault(number, {}).setdefault("email", []).append(_(ALREADY_SIGNED))
        elif key in first:
            errors.setdefault(number, {}).setdefault("email", []).append(
                _("This address is on row %(row)s too.") % {"row": first[key]}
            )
        else:
            first[key] = number


def _batch_save(
    letter: Letter,
    signatures: list[Signature],
    entered_by: User,
    label: str,
    request: HttpRequest | None,
) -> PaperBatch:
    with transaction.atomic():
        batch = PaperBatch.objects.create(
            letter=letter, label=label, rows=len(signatures), entered_by=entered_by
        )
        for signature in signatures:
            signature.paper_batch = batch
        Signature.objects.bulk_create(signatures)
        events_record(letter.pk, [(signature, EventKind.PAPER, 1) for signature in signatures])
        audit_record(
            action="paper.record",
            actor=entered_by,
            target=batch,
            organisation_id=letter.organisation_id,
            request=request,
            # No name: the audit log keeps what was done, not who signed.
            detail={"letter": letter.pk, "label": label, "rows": len(signatures)},
        )
        transaction.on_commit(lambda: count_forget(letter.pk))
    return batch


def paper_batch_remove(
    *, batch: PaperBatch, removed_by: User, request: HttpRequest | None = None
) -> int:
    """Take a batch's signatures off the count and delete them, as withdrawals do, keeping
    the batch for the record; once. Returns how many signatures left the count (a
    moderator may have held or invalidated some meanwhile)."""
    with transaction.atomic():
        claimed = PaperBatch.objects.filter(pk=batch.pk, removed_at__isnull=True).update(
            removed_at=timezone.now(), removed_by=removed_by
        )
        if not claimed:
            raise ValidationError(_("This batch was removed already."), code="removed")
        signatures = list(
            Signature.objects.select_for_update().filter(paper_batch=batch).order_by("pk")
        )
        events_record(
            batch.letter_id,
            [
                (signature, EventKind.PAPER_REMOVED, -1 if signature.is_counted else 0)
                for signature in signatures
            ],
        )
        Signature.objects.filter(paper_batch=batch).delete()
        off_count = sum(1 for signature in signatures if signature.is_counted)
        audit_record(
            action="paper.remove",
            actor=removed_by,
            target=batch,
            organisation_id=batch.letter.organisation_id,
            request=request,
            detail={
                "letter": batch.letter_id,
                "label": batch.label,
                "signatures": len(signatures),
                "off_count": off_count,
            },
        )
        transaction.on_commit(lambda: count_forget(batch.letter_id))
    batch.refresh_from_db()
    return off_count
