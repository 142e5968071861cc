from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from undersigned.signing.counts import letter_count, letter_counts
from undersigned.signing.forms import SignatureForm
from undersigned.signing.models import Signature

from .models import Letter

RECENT_SIGNATURES = 10
SIGNATURES_PER_PAGE = 50


def _public_letter(slug: str) -> Letter:
    queryset = Letter.objects.public().select_related("organisation")
    return get_object_or_404(queryset, slug=slug)


def _cacheable(response: HttpResponse, seconds: int = 1) -> HttpResponse:
    """Public pages hold no per-visitor state, so we and any CDN may cache them."""
    response["Cache-Control"] = f"public, max-age={seconds}"
    return response


def letter_page_context(letter: Letter, form: Any = None) -> dict[str, Any]:
    count = letter_count(letter.pk)
    current = letter.versions.order_by("-number").first()
    if form is None:
        form = SignatureForm(
            letter=letter, initial={"version": current.text_hash if current else ""}
        )
    return {
        "letter": letter,
        "targets": letter.targets.all(),
        "count": count,
        "progress": min(100, round(100 * count / letter.goal)) if letter.goal else None,
        "recent": Signature.objects.counted()
        .filter(letter=letter)
        .newest_first()[:RECENT_SIGNATURES],
        "form": form,
        "version_count": letter.versions.count(),
    }


def home(request: HttpRequest) -> HttpResponse:
    letters = list(Letter.objects.public().select_related("organisation").order_by("-published_at"))
    counts = letter_counts([letter.pk for letter in letters])
    rows = [(letter, counts[letter.pk]) for letter in letters]
    return _cacheable(render(request, "letters/home.html", {"rows": rows}), seconds=5)


def letter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    return _cacheable(render(request, "letters/letter_detail.html", letter_page_context(letter)))


def letter_count_json(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    response = JsonResponse({"total_signatures": letter_count(letter.pk), "goal": letter.goal})
    response["Cache-Control"] = "public, max-age=0, s-maxage=1"
    return response


def letter_signatures(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    signatures = Signature.objects.counted().filter(letter=letter).newest_first()
    page = Paginator(signatures, SIGNATURES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"letter": letter, "page": page, "count": letter_count(letter.pk)}
    return _cacheable(render(request, "letters/letter_signatures.html", context), seconds=5)


def letter_versions(request: HttpRequest, slug: str) -> HttpResponse:
    letter = _public_letter(slug)
    context = {"letter": letter, "versions": letter.versions.all()}
    return _cacheable(render(request, "letters/letter_versions.html", context), seconds=60)
