"""The API's resources, in the shapes of the Open Supporter Data Interface (OSDI): a letter
is a `petition`, a signatory a `signature`, with OSDI's field names where OSDI has one and
HAL links (`_links`) as OSDI gives them. The JSON API and the webhooks both build their
bodies here, so a CRM reads one shape wherever it comes from.

A signature is what the one presenter (signing/presentation.py) shows its audience, and
nothing more: never an address, and a hidden name as "Anonymous".
"""

from typing import Any

from django.conf import settings
from django.urls import reverse

from undersigned.deliveries.models import Delivery, Response
from undersigned.letters.models import Eligibility, Letter
from undersigned.signing.models import Signature
from undersigned.signing.presentation import Audience, Signatory, signatory
from undersigned.signing.public_count import PublicCount
from undersigned.updates.models import Update

ORIGIN_SYSTEM = "undersigned"


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def link(path: str) -> dict[str, str]:
    return {"href": absolute(path)}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def petition_links(letter: Letter) -> dict[str, dict[str, str]]:
    slug = {"slug": letter.slug}
    return {
        "self": link(reverse("api-1:petition", kwargs=slug)),
        "osdi:signatures": link(reverse("api-1:petition_signatures", kwargs=slug)),
        "undersigned:count": link(reverse("api-1:petition_count", kwargs=slug)),
        "undersigned:updates": link(reverse("api-1:petition_updates", kwargs=slug)),
        "undersigned:deliveries": link(reverse("api-1:petition_deliveries", kwargs=slug)),
        "undersigned:answers": link(reverse("api-1:petition_answers", kwargs=slug)),
    }


def petition_resource(letter: Letter, count: PublicCount) -> dict[str, Any]:
    """A letter as an OSDI petition, its numbers as the public sees them (stepped where the
    letter has a count step)."""
    return {
        "identifiers": [f"{ORIGIN_SYSTEM}:{letter.slug}"],
        "origin_system": ORIGIN_SYSTEM,
        "slug": letter.slug,
        "created_date": _iso(letter.published_at or letter.created_at),
        "modified_date": _iso(letter.text_changed_at or letter.published_at or letter.created_at),
        "action_date": _iso(letter.published_at),
        "title": letter.title,
        "description": letter.body_html,
        "petition_text": letter.body,
        "demands": letter.demand_list,
        "pledge": letter.pledge,
        "browser_url": absolute(letter.get_absolute_url()),
        "featured_image_url": absolute(f"/letters/{letter.slug}/share.png"),
        "language": letter.language,
        "status": letter.status,
        "organisation": {"name": letter.organisation.name, "slug": letter.organisation.slug},
        "target": [
            {"name": t.name, "title": t.role, "organization": t.organisation}
            for t in letter.targets.all()
        ],
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
        "_links": petition_links(letter),
    }


def signatory_fields(shown: Signatory) -> dict[str, Any]:
    return {
        "name": shown.name,
        "level": shown.level,
        "verified": shown.verified,
        "verification": shown.verification,
        "institution": shown.institution if shown.verified else "",
        "claimed_affiliation": shown.claimed_affiliation,
        "title": shown.title,
        "department": shown.department,
        "location": shown.location,
        "comments": shown.comment,
    }


def signature_resource(
    signature: Signature, letter: Letter, audience: Audience = Audience.ORGANISERS
) -> dict[str, Any]:
    """One signature as an OSDI signature, shown to `audience` by the presenter. The
    organisers' view has its identifier, and the country, postal code and date where the
    presenter gives them; the public's has neither, since an identifier or a date would
    tell the order people signed in."""
    signature.letter = letter
    shown = signatory(signature, audience)
    resource: dict[str, Any] = {}
    if audience == Audience.ORGANISERS:
        resource["identifiers"] = [f"{ORIGIN_SYSTEM}:signature-{signature.pk}"]
    resource |= signatory_fields(shown)
    resource["paper"] = signature.level == "paper"
    if audience == Audience.ORGANISERS:
        resource |= {
            "country": shown.country,
            "postal_code": shown.postal_code,
            "created_date": _iso(shown.confirmed_on),
        }
    resource["_links"] = {
        "osdi:petition": link(reverse("api-1:petition", kwargs={"slug": letter.slug}))
    }
    return resource


def update_resource(update: Update) -> dict[str, Any]:
    return {
        "identifiers": [f"{ORIGIN_SYSTEM}:update-{update.pk}"],
        "kind": update.kind,
        "title": update.subject,
        "description": update.body_html,
        "sent_date": _iso(update.sent_at),
        "browser_url": absolute(update.get_absolute_url()),
    }


def delivery_resource(delivery: Delivery) -> dict[str, Any]:
    """A delivery's public record: what was delivered, to whom and when; its numbers as the
    letter page shows them."""
    letter = delivery.letter
    return {
        "identifiers": [f"{ORIGIN_SYSTEM}:delivery-{letter.slug}-{delivery.number}"],
        "number": delivery.number,
        "method": delivery.method,
        "delivered_date": _iso(delivery.delivered_at),
        "total_signatures": letter.stepped(delivery.total),
        "verified_signatures": letter.stepped(delivery.verified),
        "signatures_carried": letter.stepped(delivery.signatures),
        "addendum": delivery.is_addendum,
        "letter_version": delivery.letter_version.number,
        "target": [{"name": t.name, "title": t.role} for t in delivery.targets.all()],
        "document_url": absolute(delivery.pdf_url),
    }


def answer_resource(response: Response) -> dict[str, Any]:
    """A target's answer, as published on the letter page."""
    return {
        "identifiers": [f"{ORIGIN_SYSTEM}:answer-{response.pk}"],
        "target": {"name": response.target.name, "title": response.target.role},
        "answered_date": response.responded_on.isoformat(),
        "text": response.text,
        "description": response.text_html,
        "source_url": response.source_url,
        "delivery": response.delivery.number if response.delivery else None,
    }
