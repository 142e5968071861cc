"""The public JSON API. It carries nothing personal beyond what the signatory list shows."""

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from undersigned.letters.models import Letter
from undersigned.signing.counts import letter_counts

PER_PAGE = 50


def letter_json(letter: Letter, total_signatures: int) -> dict[str, Any]:
    return {
        "identifiers": [f"undersigned:{letter.slug}"],
        "slug": letter.slug,
        "title": letter.title,
        "url": settings.BASE_URL + letter.get_absolute_url(),
        "status": letter.status,
        "organisation": {"name": letter.organisation.name, "slug": letter.organisation.slug},
        "targets": [
            {"name": t.name, "role": t.role, "organisation": t.organisation}
            for t in letter.targets.all()
        ],
        "body": letter.body,
        "demands": letter.demand_list,
        "pledge": letter.pledge,
        "goal": letter.goal,
        "total_signatures": total_signatures,
        "published_at": letter.published_at.isoformat() if letter.published_at else None,
        "text_changed_at": letter.text_changed_at.isoformat() if letter.text_changed_at else None,
    }


def _json(data: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=1"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def letter_list(request: HttpRequest) -> JsonResponse:
    letters = (
        Letter.objects.public()
        .select_related("organisation")
        .prefetch_related("targets")
        .order_by("-published_at", "pk")
    )
    page = Paginator(letters, PER_PAGE).get_page(request.GET.get("page"))
    counts = letter_counts([letter.pk for letter in page])
    base = settings.BASE_URL + request.path
    return _json(
        {
            "total_records": page.paginator.count,
            "page": page.number,
            "total_pages": page.paginator.num_pages,
            "next": f"{base}?page={page.next_page_number()}" if page.has_next() else None,
            "letters": [letter_json(letter, counts[letter.pk]) for letter in page],
        }
    )


def letter_detail(request: HttpRequest, slug: str) -> JsonResponse:
    queryset = Letter.objects.public().select_related("organisation")
    letter = get_object_or_404(queryset, slug=slug)
    return _json(letter_json(letter, letter_counts([letter.pk])[letter.pk]))
