"""The public JSON API. It carries nothing personal beyond what the signatory list shows:
its signatures are the presenter's public view (signing/presentation.py), page by page.

Every number is rounded down to the letter's count step where it has one (`count_step`
says so), and the breakdown by institution stays empty while names are not revealed.
"""

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, JsonResponse
from django.utils import translation

from undersigned.letters.access import public_letter
from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.caching import cacheable
from undersigned.signing.models import Signature
from undersigned.signing.presentation import Signatory, listing_order, signatories
from undersigned.signing.public_count import PublicCount, public_count, public_counts

PER_PAGE = 50


def letter_json(letter: Letter, count: PublicCount) -> dict[str, Any]:
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
        "eligibility": {
            "kind": letter.eligibility,
            "domains": letter.domain_list if letter.eligibility == Eligibility.DOMAINS else [],
            "include_subdomains": letter.include_subdomains,
        },
        "count_step": letter.count_step,
        "reveal_threshold": letter.reveal_threshold,
        "names_revealed": count.names_revealed,
        "total_signatures": letter.stepped(count.total),
        "verified_signatures": letter.stepped(count.verified),
        "institutions": [
            {"name": name, "signatures": letter.stepped(n)} for name, n in count.institutions
        ]
        if count.names_revealed
        else [],
        "published_at": letter.published_at.isoformat() if letter.published_at else None,
        "text_changed_at": letter.text_changed_at.isoformat() if letter.text_changed_at else None,
    }


def _json(data: dict[str, Any]) -> JsonResponse:
    response = cacheable(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))
    response["Access-Control-Allow-Origin"] = "*"
    return response


def letter_list(request: HttpRequest) -> JsonResponse:
    letters = (
        Letter.objects.public()
        .filter(taken_down_at__isnull=True)
        .select_related("organisation")
        .prefetch_related("targets")
        .order_by("-published_at", "pk")
    )
    page = Paginator(letters, PER_PAGE).get_page(request.GET.get("page"))
    counts = public_counts(list(page))
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
    letter = public_letter(slug)
    return _json(letter_json(letter, public_count(letter)))


def signatory_json(signatory: Signatory) -> dict[str, Any]:
    """One signatory exactly as the public signatures page shows them (the presenter's
    public view): a hidden name is "Anonymous", a comment is there only once shown."""
    return {
        "name": signatory.name,
        "verified": signatory.verified,
        "verification": signatory.verification,
        "institution": signatory.institution if signatory.verified else "",
        "claimed_affiliation": signatory.claimed_affiliation,
        "title": signatory.title,
        "department": signatory.department,
        "location": signatory.location,
        "comment": signatory.comment,
    }


@translation.override(settings.LANGUAGE_CODE)  # the presenter's words, in the API's English
def letter_signatures(request: HttpRequest, slug: str) -> JsonResponse:
    """The signatories, in the order the public page lists them, fifty a page; none while
    the letter's reveal threshold is not reached."""
    letter = public_letter(slug)
    count = public_count(letter)
    base = settings.BASE_URL + request.path
    if not count.names_revealed:
        return _json(
            {
                "names_revealed": False,
                "reveal_threshold": letter.reveal_threshold,
                "total_records": 0,
                "page": 1,
                "total_pages": 1,
                "next": None,
                "signatures": [],
            }
        )
    listed = listing_order(letter, Signature.objects.counted().filter(letter=letter))
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    return _json(
        {
            "names_revealed": True,
            "reveal_threshold": letter.reveal_threshold,
            "total_records": letter.stepped(page.paginator.count),
            "page": page.number,
            "total_pages": page.paginator.num_pages,
            "next": f"{base}?page={page.next_page_number()}" if page.has_next() else None,
            "signatures": [signatory_json(each) for each in signatories(letter, page)],
        }
    )
