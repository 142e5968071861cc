"""Owners, moderators and the platform's moderators moderate; anyone else is sent to sign
in, told nothing, or refused."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import make_letter
from tests.moderation.conftest import member, signatures_from, signed_in, states
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.moderation.alerts import alerts_check
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Organisation, Role

PAGES = [
    "/dashboard/letters/drop-the-contract/moderation/",
    "/dashboard/letters/drop-the-contract/moderation/signatures/?domain=example.org",
    "/dashboard/letters/drop-the-contract/moderation/batch/?domain=example.org&move=invalidated",
]


@pytest.mark.parametrize("url", [*PAGES, "/dashboard/moderation/"])
def test_it_sends_anonymous_visitors_to_sign_in(petition: Letter, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_it_tells_an_outsider_nothing(petition: Letter, url: str) -> None:
    outsider = User.objects.create_user("mallory@elsewhere.example")
    organisation_create(name="Elsewhere", owner=outsider)
    assert signed_in(outsider).get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
@pytest.mark.parametrize("url", PAGES)
def test_it_refuses_roles_that_may_not_moderate(
    petition: Letter, organisation: Organisation, role: Role, url: str
) -> None:
    response = signed_in(member(organisation, role)).get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_it_lets_no_such_role_invalidate(
    petition: Letter, organisation: Organisation, role: Role
) -> None:
    ids = signatures_from(petition, "192.0.2.1", 2, at=timezone.now())
    client = signed_in(member(organisation, role))
    batch = client.post(
        f"/dashboard/letters/{petition.slug}/moderation/batch/",
        {
            "domain": "example.org",
            "move": "invalidated",
            "counted": 2,
            "held": 0,
            "last_id": max(ids),
        },
    )
    single = client.post(
        f"/dashboard/letters/{petition.slug}/moderation/signatures/{ids[0]}/", {"change": "hold"}
    )
    assert (batch.status_code, single.status_code) == (403, 403)
    assert states(ids) == ["counted", "counted"]


@pytest.mark.parametrize("role", [Role.OWNER, Role.MODERATOR])
@pytest.mark.parametrize("url", PAGES)
def test_owners_and_moderators_moderate(
    petition: Letter, organisation: Organisation, organiser: User, role: Role, url: str
) -> None:
    signatures_from(petition, "192.0.2.1", 1, at=timezone.now())
    user = organiser if role == Role.OWNER else member(organisation, role)
    assert signed_in(user).get(url).status_code == 200


def test_platform_moderators_moderate_every_letter_and_see_every_alert(db: None) -> None:
    owner = User.objects.create_user("owner@far.example")
    far = make_letter(organisation_create(name="Far away", owner=owner), slug="far-letter")
    now = timezone.now()
    signatures_from(far, [f"192.0.2.{n}" for n in range(1, 60)], 55, at=now, domain="a.example")
    signatures_from(far, [f"198.51.{n}.1" for n in range(20)], 20, at=now, domain="b.example")
    alerts_check(now)
    staff = User.objects.create_user("platform@undersigned.example", is_moderator=True)
    client = signed_in(staff)

    platform = client.get("/dashboard/moderation/")

    assert platform.status_code == 200
    assert (
        "Far away" in platform.text and "/dashboard/letters/far-letter/moderation/" in platform.text
    )
    assert "a.example" in platform.text
    assert client.get("/dashboard/letters/far-letter/moderation/").status_code == 200
    assert signed_in(owner).get("/dashboard/moderation/").status_code == 403


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.MODERATOR, True), (Role.EDITOR, False), (Role.VIEWER, False)]
)
def test_the_dashboard_links_to_moderation_for_those_who_may(
    petition: Letter, organisation: Organisation, role: Role, shown: bool
) -> None:
    page = signed_in(member(organisation, role)).get("/dashboard/")
    assert (f"/dashboard/letters/{petition.slug}/moderation/" in page.text) is shown
    assert "/dashboard/moderation/" not in page.text
