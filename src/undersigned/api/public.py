"""The public read API: letters as OSDI petitions, their counts and breakdowns, their
public signatures, updates, deliveries and answers. No key; nothing personal beyond what
the letter's public pages show."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja import Query, Router

from undersigned.deliveries.models import Delivery, Response
from undersigned.letters.access import public_letter
from undersigned.letters.models import Letter
from undersigned.lib.numbers import grouped
from undersigned.signing import aggregates
from undersigned.signing.models import Signature
from undersigned.signing.presentation import Audience
from undersigned.signing.public_count import public_count, public_counts
from undersigned.updates.models import Update

from . import schemas
from .caching import public_answer
from .pagination import Page, Paging, keyset_page
from .resources import (
    answer_resource,
    delivery_resource,
    link,
    petition_resource,
    signature_resource,
    update_resource,
)
from .schemas import Slug

router = Router(tags=["public"], by_alias=True)
router.add_decorator(public_answer, mode="view")
# The API speaks English, whatever language a visitor's pages are in.
router.add_decorator(translation.override(settings.LANGUAGE_CODE), mode="view")

MISSING = {400: schemas.Problem, 404: schemas.Problem, 410: schemas.Problem, 422: schemas.Invalid}


def collection(
    request: HttpRequest, page: Page, total: int, embedded: dict[str, Any]
) -> dict[str, Any]:
    """An OSDI collection: its total, the page size asked for, and the link to the next
    page."""
    links: dict[str, Any] = {"self": link(request.get_full_path())}
    if page.next_cursor:
        query = request.GET.copy()
        query["cursor"] = page.next_cursor
        links["next"] = link(f"{request.path}?{query.urlencode()}")
    return {"total_records": total, "per_page": page.size, "_links": links, "_embedded": embedded}


@router.get(
    "/petitions/",
    response={200: schemas.Petitions, 400: schemas.Problem, 422: schemas.Invalid},
    url_name="petitions",
)
def petitions(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Every public letter (open, closed or delivered), newest first, by cursor."""
    letters = (
        Letter.objects.public()
        .filter(taken_down_at__isnull=True)
        .select_related("organisation")
        .prefetch_related("targets")
    )
    page = keyset_page(letters, ["-published_at", "-pk"], paging, scope="petitions")
    counts = public_counts(page.rows)
    shown = [petition_resource(letter, counts[letter.pk]) for letter in page.rows]
    return collection(request, page, letters.count(), {"osdi:petitions": shown})


@router.get("/petitions/{slug}/", response={200: schemas.Petition, **MISSING}, url_name="petition")
def petition(request: HttpRequest, slug: Slug) -> dict[str, Any]:
    letter = public_letter(slug)
    return petition_resource(letter, public_count(letter))


def _groups(letter: Letter, groups: Any) -> list[dict[str, Any]]:
    shown = []
    for group, number in groups:
        figure = aggregates.figure(letter, number)
        shown.append({"group": str(group), "signatures": figure.value, "shown": figure.text})
    return shown


@router.get(
    "/petitions/{slug}/count/",
    response={200: schemas.Count, **MISSING},
    url_name="petition_count",
)
def petition_count(request: HttpRequest, slug: Slug) -> dict[str, Any]:
    """The count, and how it breaks down, as the letter's public pages show it: nothing
    broken down before the reveal threshold, and no group smaller than a page shows."""
    letter = public_letter(slug)
    count = public_count(letter)
    shown = aggregates.aggregates_shown(count)
    return {
        "total_signatures": letter.stepped(count.total),
        "verified_signatures": letter.stepped(count.verified),
        "display": letter.shown_number(count.total) if letter.count_step else grouped(count.total),
        "goal": letter.goal,
        "count_step": letter.count_step,
        "names_revealed": count.names_revealed,
        "institutions": _groups(letter, count.institutions) if count.names_revealed else [],
        "levels": _groups(letter, aggregates.counted_by_level(letter)) if shown else [],
        "countries": _groups(letter, aggregates.counted_by_country(letter)) if shown else [],
    }


def public_order(letter: Letter) -> list[str]:
    """The signatures page's order: newest first, or by name on a letter with count steps,
    where the newest entry would point at the newest signer."""
    return ["name", "pk"] if letter.count_step else ["-confirmed_at", "-pk"]


@router.get(
    "/petitions/{slug}/signatures/",
    response={200: schemas.Signatures, **MISSING},
    url_name="petition_signatures",
)
def petition_signatures(request: HttpRequest, slug: Slug, paging: Query[Paging]) -> dict[str, Any]:
    """The signatories as the public signatures page shows them, by cursor; none while the
    letter's reveal threshold is not reached."""
    letter = public_letter(slug)
    count = public_count(letter)
    if not count.names_revealed:
        empty = Page(rows=[], next_cursor=None)
        body = collection(request, empty, 0, {"osdi:signatures": []})
        return body | {"names_revealed": False}
    signatures = Signature.objects.counted().filter(letter=letter)
    page = keyset_page(signatures, public_order(letter), paging, scope=f"signatures:{letter.pk}")
    shown = [signature_resource(s, letter, Audience.PUBLIC) for s in page.rows]
    body = collection(request, page, letter.stepped(count.total), {"osdi:signatures": shown})
    return body | {"names_revealed": True}


@router.get(
    "/petitions/{slug}/updates/",
    response={200: list[schemas.UpdateOut], **MISSING},
    url_name="petition_updates",
)
def petition_updates(request: HttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The updates the public may read, newest first."""
    letter = public_letter(slug)
    updates = Update.objects.published().filter(letter=letter)
    shown = []
    for update in updates:
        update.letter = letter
        shown.append(update_resource(update))
    return shown


@router.get(
    "/petitions/{slug}/deliveries/",
    response={200: list[schemas.DeliveryOut], **MISSING},
    url_name="petition_deliveries",
)
def petition_deliveries(request: HttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """Each delivery to the letter's targets, oldest first, as its public record shows it."""
    letter = public_letter(slug)
    deliveries = Delivery.objects.delivered().filter(letter=letter)
    shown = []
    for delivery in deliveries.select_related("letter_version").prefetch_related("targets"):
        delivery.letter = letter
        shown.append(delivery_resource(delivery))
    return shown


@router.get(
    "/petitions/{slug}/answers/",
    response={200: list[schemas.AnswerOut], **MISSING},
    url_name="petition_answers",
)
def petition_answers(request: HttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """What the targets answered, newest first, as the letter page publishes it."""
    letter = public_letter(slug)
    answers = (
        Response.objects.filter(letter=letter)
        .select_related("target", "delivery")
        .order_by("-responded_on", "-pk")
    )
    return [answer_resource(answer) for answer in answers]
