"""The organisers' API, with a token of their organisation (`Authorization: Bearer …`):
their letters, drafts included; the signatures they may see, as their export shows them;
creating and changing letters; recording signatures on paper; sending updates. Each
operation names the scope it needs, and refuses a token without it."""

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Query, Router, Status
from ninja.errors import HttpError

from undersigned.audit.log import audit_record
from undersigned.deliveries.models import DeliveryTarget
from undersigned.letters.editing import letter_free_slug, letter_save
from undersigned.letters.models import Letter, Target
from undersigned.signing.export import (
    XLSX_TYPE,
    counted_in_order,
    signatories_csv,
    xlsx_file,
)
from undersigned.signing.models import PaperBatch, Signature
from undersigned.signing.paper import (
    PaperRow,
    PaperRowsRefused,
    paper_batch_record,
    paper_batch_remove,
)
from undersigned.signing.presentation import Audience
from undersigned.signing.public_count import names_revealed, public_count, public_counts
from undersigned.updates.models import Update
from undersigned.updates.publishing import update_send

from . import schemas
from .auth import Token, TokenRequest
from .caching import private_answer
from .models import Scope
from .pagination import Page, Paging, keyset_page
from .public import collection
from .resources import petition_resource, signature_resource, update_resource
from .schemas import Slug

router = Router(tags=["organisers"], by_alias=True)
router.add_decorator(private_answer, mode="view")
router.add_decorator(translation.override(settings.LANGUAGE_CODE), mode="view")

REFUSED = {
    400: schemas.Problem,
    401: schemas.Problem,
    403: schemas.Problem,
    404: schemas.Problem,
    422: schemas.Invalid,
}


def token_letter(request: TokenRequest, slug: Slug) -> Letter:
    """A letter of the token's organisation; 404 for any other, as if it did not exist."""
    letter = (
        Letter.objects.select_related("organisation")
        .filter(slug=slug, organisation=request.auth.organisation)
        .first()
    )
    if letter is None:
        raise Http404("No such letter.")
    return letter


# The model's names of what a client sends under the API's names.
LETTER_FIELDS = {"body": "petition_text", "targets": "target"}
UPDATE_FIELDS = {"subject": "title", "body": "description"}


def _invalid(error: ValidationError, names: dict[str, str] | None = None) -> HttpError:
    """A 422 naming each refused field as the client sent it."""
    kept = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    names = names or {}
    messages = {names.get(field, field): found for field, found in kept.items()}
    if "__all__" in messages:
        messages[""] = messages.pop("__all__")
    detail = "; ".join(f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in messages.items())
    return Invalid(detail, messages)


class Invalid(HttpError):
    def __init__(self, detail: str, errors: dict[str, list[str]]) -> None:
        super().__init__(422, detail)
        self.errors = errors


def _audit(request: TokenRequest, action: str, target: Any, **detail: object) -> None:
    token = request.auth
    audit_record(
        action=action,
        actor=token.created_by,
        target=target,
        organisation_id=token.organisation_id,
        request=request,
        detail={"api_token": token.prefix, **detail},
    )


@router.get(
    "/organisation/petitions/",
    response={200: schemas.Petitions, **REFUSED},
    auth=Token(),
    url_name="organisation_petitions",
)
def organisation_petitions(request: TokenRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Every letter of the token's organisation, drafts and letters in review included,
    newest first."""
    letters = (
        Letter.objects.filter(organisation=request.auth.organisation)
        .select_related("organisation")
        .prefetch_related("targets")
    )
    scope = f"organisation:{request.auth.pk}"
    page = keyset_page(letters, ["-created_at", "-pk"], paging, scope=scope)
    counts = public_counts(page.rows)
    shown = [petition_resource(letter, counts[letter.pk]) for letter in page.rows]
    return collection(request, page, letters.count(), {"osdi:petitions": shown})


@router.get(
    "/organisation/petitions/{slug}/signatures/",
    response={200: schemas.OrganiserSignatures, **REFUSED},
    auth=Token(Scope.READ_SIGNATURES),
    url_name="organisation_signatures",
)
def organisation_signatures(
    request: TokenRequest, slug: Slug, paging: Query[Paging]
) -> dict[str, Any]:
    """The letter's counted signatures as its organisers' export shows them, oldest first:
    no address of any kind, a hidden name as "Anonymous", and none at all while the
    reveal threshold is not reached."""
    letter = token_letter(request, slug)
    if not names_revealed(letter):
        return collection(request, Page(rows=[], next_cursor=None), 0, {"osdi:signatures": []})
    signatures = Signature.objects.counted().filter(letter=letter)
    # Oldest first by the time each counted, on the index the count's reads use.
    order = ["confirmed_at", "pk"]
    page = keyset_page(signatures, order, paging, scope=f"export:{letter.pk}")
    shown = [signature_resource(s, letter, Audience.ORGANISERS) for s in page.rows]
    total = public_count(letter).total
    return collection(request, page, total, {"osdi:signatures": shown})


def _targets(given: list[schemas.TargetIn]) -> list[Target]:
    return [
        Target(
            name=t.name,
            role=t.title,
            organisation=t.organization,
            delivery_address=t.delivery_address,
        )
        for t in given
    ]


def _targets_replaced(
    letter: Letter, given: list[schemas.TargetIn]
) -> tuple[list[Target], list[Target]]:
    """The targets as given, each one already there by its name kept as the same target
    (its deliveries and answers stay with it), and those no longer given; a target that
    was delivered to or answered stays, and saying otherwise is refused."""
    kept = {target.name: target for target in letter.targets.all()}
    targets = []
    for new in _targets(given):
        target = kept.pop(new.name, None) or new
        target.role, target.organisation = new.role, new.organisation
        target.delivery_address = new.delivery_address
        targets.append(target)
    answered = [
        target.name
        for target in kept.values()
        if target.responses.exists() or DeliveryTarget.objects.filter(target=target).exists()
    ]
    if answered:
        raise Invalid(
            "A target the letter was delivered to, or who answered, stays on it.",
            {"target": [f"Keep “{name}”: the letter was delivered to them." for name in answered]},
        )
    return targets, list(kept.values())


@router.post(
    "/organisation/petitions/",
    response={201: schemas.Petition, **REFUSED},
    auth=Token(Scope.WRITE_LETTERS),
    url_name="organisation_petition_create",
)
def petition_create(request: TokenRequest, payload: schemas.PetitionIn) -> Status[Any]:
    """A new draft letter of the organisation; publishing it stays with the dashboard, where
    a person reads it first."""
    letter = Letter(
        organisation=request.auth.organisation,
        title=payload.title,
        slug=letter_free_slug(payload.title),
        body=payload.petition_text,
        demands="\n".join(d.strip() for d in payload.demands if d.strip()),
        pledge=payload.pledge,
        goal=payload.goal,
        language=payload.language.value if payload.language else settings.LANGUAGE_CODE,
    )
    try:
        with transaction.atomic():
            letter_save(letter=letter, targets=_targets(payload.target))
            _audit(request, "letter.create", letter, fields=sorted(payload.model_fields_set))
    except ValidationError as error:
        raise _invalid(error, LETTER_FIELDS) from error
    return Status(201, petition_resource(letter, public_count(letter)))


@router.patch(
    "/organisation/petitions/{slug}/",
    response={200: schemas.Petition, **REFUSED},
    auth=Token(Scope.WRITE_LETTERS),
    url_name="organisation_petition_change",
)
def petition_change(
    request: TokenRequest, slug: Slug, payload: schemas.PetitionChange
) -> dict[str, Any]:
    """Change what is given of a letter's text, goal or targets. On a published letter a
    changed text is kept as a new version, as the editor does."""
    letter = token_letter(request, slug)
    given = payload.model_fields_set
    changes = {
        "title": payload.title,
        "body": payload.petition_text,
        "pledge": payload.pledge,
        "goal": payload.goal,
    }
    for field, value in changes.items():
        name = {"body": "petition_text"}.get(field, field)
        if name in given and (value is not None or field == "goal"):
            setattr(letter, field, value)
    if "demands" in given and payload.demands is not None:
        letter.demands = "\n".join(d.strip() for d in payload.demands if d.strip())
    targets: list[Target] = list(letter.targets.all())
    removed: list[Target] = []
    if "target" in given and payload.target is not None:
        targets, removed = _targets_replaced(letter, payload.target)
    try:
        with transaction.atomic():
            version = letter_save(letter=letter, targets=targets, removed=removed)
            _audit(
                request,
                "letter.edit",
                letter,
                fields=sorted(given),
                version=version.number if version is not None else None,
            )
    except ValidationError as error:
        raise _invalid(error, LETTER_FIELDS) from error
    letter.refresh_from_db()
    return petition_resource(letter, public_count(letter))


@router.post(
    "/organisation/petitions/{slug}/updates/",
    response={201: schemas.UpdateOut, **REFUSED},
    auth=Token(Scope.SEND_UPDATES),
    url_name="organisation_update_send",
)
def organisation_update_send(
    request: TokenRequest, slug: Slug, payload: schemas.UpdateIn
) -> Status[Any]:
    """Write an update and send it at once, to the signers who asked to hear and by the
    same rule as the dashboard's send."""
    letter = token_letter(request, slug)
    update = Update(
        letter=letter,
        subject=payload.title,
        body=payload.description,
        signers_only=payload.signers_only,
        created_by=request.auth.created_by,
    )
    try:
        update.full_clean()
    except ValidationError as error:
        raise _invalid(error, UPDATE_FIELDS) from error
    with transaction.atomic():
        update.save()
        update_send(update)
        _audit(request, "update.send", update, letter=letter.slug, signers_only=update.signers_only)
    return Status(201, update_resource(update))


FILE = {"type": "string", "format": "binary"}


@router.get(
    "/organisation/petitions/{slug}/signatures.csv",
    response={200: None, **REFUSED},
    auth=Token(Scope.READ_SIGNATURES),
    url_name="organisation_signatures_csv",
    openapi_extra={
        "responses": {200: {"description": "CSV", "content": {"text/csv": {"schema": FILE}}}}
    },
)
def organisation_signatures_csv(request: TokenRequest, slug: Slug) -> HttpResponseBase:
    """The organisers' CSV export, streamed: the rows of the dashboard's export, each cell
    safe from formula injection, the header row alone before the reveal threshold."""
    letter = token_letter(request, slug)
    lines = _in_english(signatories_csv(letter, counted_in_order(letter), Audience.ORGANISERS))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{letter.slug}-signatures.csv"'
    return response


def _in_english(lines: Iterator[str]) -> Iterator[str]:
    """The lines as the API speaks: they are written after the view returns, once the
    language it set is gone."""
    with translation.override(settings.LANGUAGE_CODE):
        yield from lines


@router.get(
    "/organisation/petitions/{slug}/signatures.xlsx",
    response={200: None, **REFUSED},
    auth=Token(Scope.READ_SIGNATURES),
    url_name="organisation_signatures_xlsx",
    openapi_extra={
        "responses": {200: {"description": "XLSX", "content": {XLSX_TYPE: {"schema": FILE}}}}
    },
)
def organisation_signatures_xlsx(request: TokenRequest, slug: Slug) -> HttpResponseBase:
    """The same rows as an Excel workbook."""
    letter = token_letter(request, slug)
    with translation.override(settings.LANGUAGE_CODE):
        workbook = xlsx_file(letter)
    return FileResponse(
        workbook,
        as_attachment=True,
        filename=f"{letter.slug}-signatures.xlsx",
        content_type=XLSX_TYPE,
    )


def batch_resource(batch: PaperBatch) -> dict[str, Any]:
    return {
        "identifiers": [f"undersigned:paper-batch-{batch.pk}"],
        "label": batch.label,
        "signatures": batch.rows,
        "created_date": batch.created_at.isoformat(),
        "removed_date": batch.removed_at.isoformat() if batch.removed_at else None,
    }


@router.post(
    "/organisation/petitions/{slug}/paper-batches/",
    response={201: schemas.PaperBatchOut, **REFUSED},
    auth=Token(Scope.WRITE_SIGNATURES),
    url_name="organisation_paper_batch_record",
)
def organisation_paper_batch_record(
    request: TokenRequest, slug: Slug, payload: schemas.PaperBatchIn
) -> Status[Any]:
    """Enter signatures collected on paper, as one batch: they count at once, are shown as
    on paper and never as verified, and are never emailed. If any row is wrong nothing is
    entered, and `errors` names each row (`rows.3.email`, from 1) and what is wrong."""
    letter = token_letter(request, slug)
    rows = [PaperRow(**row.model_dump(), number=n) for n, row in enumerate(payload.rows, 1)]
    try:
        batch = paper_batch_record(
            letter=letter,
            rows=rows,
            entered_by=request.auth.created_by,
            label=payload.label,
            request=request,
        )
    except PaperRowsRefused as refused:
        errors = {
            f"rows.{number}.{field}" if field != "__all__" else f"rows.{number}": messages
            for number, fields in refused.rows.items()
            for field, messages in fields.items()
        }
        raise Invalid(refused.messages[0], errors) from refused
    except ValidationError as error:
        raise _invalid(error) from error
    return Status(201, batch_resource(batch))


@router.delete(
    "/organisation/paper-batches/{batch_id}/",
    response={200: schemas.PaperBatchOut, **REFUSED},
    auth=Token(Scope.WRITE_SIGNATURES),
    url_name="organisation_paper_batch_remove",
)
def organisation_paper_batch_remove(request: TokenRequest, batch_id: int) -> dict[str, Any]:
    """Take a batch's signatures off the count, keeping the batch for the record."""
    batch = get_object_or_404(
        PaperBatch, pk=batch_id, letter__organisation=request.auth.organisation
    )
    try:
        paper_batch_remove(batch=batch, removed_by=request.auth.created_by, request=request)
    except ValidationError as error:
        raise _invalid(error) from error
    batch.refresh_from_db()
    return batch_resource(batch)
