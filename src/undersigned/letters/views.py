from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from undersigned.signing.counts import letter_counts, letter_tally
from undersigned.signing.forms import SignatureForm
from undersigned.signing.models import Level, Signature, SignatureQuerySet
from undersigned.signing.weight import Shown, Weight, count_line, letter_weight, shown

from .models import Letter

RECENT_SIGNATURES = 10
SIGNATURES_PER_PAGE = 50
INSTITUTIONS_NAMED = 4


def _public_letter(slug: str) -> Letter:
    queryset = Letter.objects.public().select_related("organisation")
    return get_object_or_404(queryset, slug=slug)


def _cacheable(response: HttpResponse, seconds: int = 1) -> HttpResponse:
    """Public pages hold no per-visitor state, so we and any CDN may cache them."""
    response["Cache-Control"] = f"public, max-age={seconds}"
    return response


@dataclass(frozen=True)
class InstitutionGroup:
    name: str  # "" for the signatories no institution verified
    count: Shown
    signatures: list[Signature]


def _weight_context(weight: Weight) -> dict[str, Any]:
    """What every public page of a letter says about its weight, steps applied."""
    letter = weight.letter
    return {
        "weight": weight,
        "count_line": count_line(weight),
        "so_far": shown(letter, weight.verified, "verified person", "verified people"),
    }


def letter_page_context(letter: Letter, form: Any = None) -> dict[str, Any]:
    weight = letter_weight(letter)
    current = letter.versions.order_by("-number").first()
    if form is None:
        form = SignatureForm(
            letter=letter, initial={"version": current.text_hash if current else ""}
        )
    # Newest first would tie a new entry to the newest signer, which count steps exist
    # to prevent; those letters list their signatories by name on the signatures page.
    show_recent = weight.names_revealed and not letter.count_step
    shown_total = letter.stepped(weight.total)
    return {
        **_weight_context(weight),
        "letter": letter,
        "targets": letter.targets.all(),
        "shown_total": shown_total,
        "progress": min(100, round(100 * shown_total / letter.goal)) if letter.goal else None,
        "recent": _counted(letter).newest_first()[:RECENT_SIGNATURES] if show_recent else None,
        "named_institutions": weight.institutions[:INSTITUTIONS_NAMED]
        if weight.names_revealed
        else (),
        "form": form,
        "version_count": letter.versions.count(),
    }


def _counted(letter: Letter) -> SignatureQuerySet:
    return Signature.objects.counted().filter(letter=letter)


def home(request: HttpRequest) -> HttpResponse:
    letters = list(Letter.objects.public().select_related("organisation").order_by("-published_at"))
    counts = letter_counts([letter.pk for letter in letters])
    rows = [
        (letter, shown(letter, counts[letter.pk], "signature", "signatures")) for letter in letters
    ]
    return _cacheable(render(request, "letters/home.html", {"rows": rows}), seconds=5)


def letter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    return _cacheable(render(request, "letters/letter_detail.html", letter_page_context(letter)))


def letter_count_json(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    tally = letter_tally(letter.pk)
    response = JsonResponse(
        {
            "total_signatures": letter.stepped(tally.total),
            "verified": letter.stepped(tally.verified),
            "display": letter.shown_number(tally.total),
            "goal": letter.goal,
        }
    )
    response["Cache-Control"] = "public, max-age=0, s-maxage=1"
    return response


def letter_signatures(request: HttpRequest, slug: str) -> HttpResponse:
    """The signatories: newest first or grouped by institution, or those of one institution.

    Nobody is listed while the letter's reveal threshold is not reached. Letters with
    count steps list by name and never newest first, for the reason given above.
    """
    letter = _public_letter(slug)
    weight = letter_weight(letter)
    institution = request.GET.get("institution", "").strip()
    by_institution = request.GET.get("by") == "institution" and not institution
    context = {
        **_weight_context(weight),
        "letter": letter,
        "institution": institution,
        "by_institution": by_institution,
        "institutions": [
            (name, shown(letter, n, "signature", "signatures")) for name, n in weight.institutions
        ],
        "page": None,
    }
    if weight.names_revealed:
        signatures = _listed(letter, institution=institution, by_institution=by_institution)
        page = Paginator(signatures, SIGNATURES_PER_PAGE).get_page(request.GET.get("page"))
        context["page"] = page
        if by_institution:
            context["groups"] = _groups(weight, list(page))
        if institution:
            context["institution_count"] = shown(
                letter, weight.signatures_from(institution), "signature", "signatures"
            )
    return _cacheable(render(request, "letters/letter_signatures.html", context), seconds=5)


def _groups(weight: Weight, signatures: list[Signature]) -> list[InstitutionGroup]:
    """One page's signatures under a heading per institution, each with the count of all
    its signatories, not only those on this page."""
    letter = weight.letter
    unverified = weight.total - sum(n for _name, n in weight.institutions)
    return [
        InstitutionGroup(
            name=name,
            count=shown(
                letter,
                weight.signatures_from(name) if name else unverified,
                "signature",
                "signatures",
            ),
            signatures=list(members),
        )
        for name, members in groupby(signatures, key=lambda signature: signature.institution)
    ]


def _listed(letter: Letter, *, institution: str, by_institution: bool) -> SignatureQuerySet:
    signatures = _counted(letter)
    by_name = ("name", "institution", "department", "location", "title", "pk")
    if institution:
        signatures = signatures.filter(level=Level.VERIFIED, institution=institution)
    if by_institution:
        # Signatories without a verified institution come last, under a heading of their own.
        unverified = Case(
            When(institution="", then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        return signatures.annotate(unverified=unverified).order_by(
            "unverified", "institution", *by_name
        )
    if letter.count_step:
        return signatures.order_by(*by_name)
    return signatures.newest_first()


def letter_versions(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    context = {"letter": letter, "versions": letter.versions.all()}
    return _cacheable(render(request, "letters/letter_versions.html", context), seconds=60)
