"""Every organiser and moderation URL, read from the URL conf, refuses anonymous visitors
and members of another organisation: a new view cannot be forgotten.

Each URL is filled with a real object of one organisation (its letter, an update, a
delivery, a membership...). A route whose parameters this test does not know how to fill
fails the test, so that whoever adds it says which object it reaches.
"""

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import signed_and_confirmed
from tests.urlconf_pages import route_filled, url_routes
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.deliveries.models import Delivery, Method, Response
from undersigned.letters.models import Letter
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation
from undersigned.updates.models import Update

# Open to anyone signed in: their own dashboard, and starting an organisation of their own.
OPEN_TO_EVERY_ACCOUNT = {"dashboard", "organisation_new"}


ORGANISER_ROUTES = [(route, name) for route, name in url_routes() if route.startswith("dashboard/")]


def _objects(petition: Letter, organisation: Organisation, organiser: User) -> dict[str, Any]:
    """One object of each kind a route may name, all of `organisation`."""
    version = petition.versions.order_by("number").first()
    assert version is not None
    target = petition.targets.get()
    delivery = Delivery.objects.create(
        letter=petition,
        number=1,
        method=Method.MANUAL,
        letter_version=version,
        until=timezone.now(),
        total=1,
        verified=1,
        signatures=1,
    )
    return {
        "letter": petition.slug,
        "organisation": organisation.slug,
        "update": Update.objects.create(letter=petition, subject="News", body="The board met.").pk,
        "delivery": delivery.pk,
        "response": Response.objects.create(
            letter=petition, target=target, responded_on=timezone.now().date(), text="No."
        ).pk,
        "signature": signed_and_confirmed(petition, "ada@example.org").pk,
        "membership": Membership.objects.get(organisation=organisation, user=organiser).pk,
        "language": "es",
    }


# What each route's parameters name, by the route's shape: (pattern, parameter, kind).
FILLS = [
    (r"^dashboard/letters/<slug:slug>/", "slug", "letter"),
    (r"^dashboard/organisations/<slug:slug>/", "slug", "organisation"),
    (r"^dashboard/review/letters/<slug:slug>/", "slug", "letter"),
    (r"^dashboard/updates/<int:pk>", "pk", "update"),
    (r"^dashboard/deliveries/<int:pk>", "pk", "delivery"),
    (r"^dashboard/responses/<int:pk>", "pk", "response"),
    (r"/moderation/signatures/<int:pk>/", "pk", "signature"),
    (r"/comments/<int:pk>/", "pk", "signature"),
    (r"/members/<int:membership_id>/", "membership_id", "membership"),
    (r"/translations/<str:language>/", "language", "language"),
]
# Parameters naming something the test need not make: the letter's slug is checked first,
# or the object is one only its own organisation could make (an outsider is refused on the
# organisation before the object is read).
ANY_NUMBER = {
    "batches/<int:pk>",
    "invitations/<int:invitation_id>",
    "paper/<int:pk>",
    "api-tokens/<int:pk>",
    "webhooks/<int:endpoint_id>",
}


def url_of(route: str, objects: dict[str, Any]) -> str:
    values: dict[str, str] = {}
    for pattern, parameter, kind in FILLS:
        if re.search(pattern, route):
            values[parameter] = str(objects[kind])
    for shape in ANY_NUMBER:
        if shape in route:
            values[shape.partition("<int:")[2].rstrip(">")] = "1"
    return route_filled(route, values, hint="say what <{parameter}> names in FILLS")


def test_the_test_sees_every_organiser_route() -> None:
    names = {name for _route, name in ORGANISER_ROUTES}
    assert {"letter_edit", "letter_moderation", "review_queue", "letter_signatures_csv"} <= names
    assert len(ORGANISER_ROUTES) > 30


@pytest.mark.parametrize(("route", "name"), ORGANISER_ROUTES, ids=[n for _r, n in ORGANISER_ROUTES])
def test_an_anonymous_visitor_is_sent_to_sign_in(
    petition: Letter, organisation: Organisation, organiser: User, route: str, name: str
) -> None:
    url = url_of(route, _objects(petition, organisation, organiser))
    before = AuditEntry.objects.count()

    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code in (302, 405), (method, url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), (method, url)

    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("route", "name"),
    [(route, name) for route, name in ORGANISER_ROUTES if name not in OPEN_TO_EVERY_ACCOUNT],
    ids=[n for _r, n in ORGANISER_ROUTES if n not in OPEN_TO_EVERY_ACCOUNT],
)
def test_a_member_of_another_organisation_is_refused(
    petition: Letter, organisation: Organisation, organiser: User, route: str, name: str
) -> None:
    url = url_of(route, _objects(petition, organisation, organiser))
    outsider = User.objects.create_user("mallory@elsewhere.example")
    organisation_create(name="Elsewhere", owner=outsider)
    client = Client()
    client.force_login(outsider)
    before = AuditEntry.objects.count()

    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        assert "ada@example.org" not in response.content.decode(errors="replace")

    assert AuditEntry.objects.count() == before
