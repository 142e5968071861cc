"""Only members see an organisation's letters; only its owners and editors change them."""

import pytest
from django.test import Client

from tests.conftest import make_letter
from undersigned.accounts.models import User
from undersigned.letters.models import Letter, Status
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role


@pytest.fixture
def draft(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="secret-draft", title="A secret draft", publish=False)


def signed_in(email: str, organisation: Organisation | None = None, role: Role | None = None):
    user = User.objects.create_user(email)  # no password: force_login needs none
    if organisation is not None and role is not None:
        Membership.objects.create(organisation=organisation, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


ORGANISER_PAGES = [
    "/dashboard/",
    "/dashboard/organisations/new/",
    "/dashboard/organisations/open-streets-alliance/letters/new/",
    "/dashboard/letters/secret-draft/",
    "/dashboard/letters/secret-draft/preview/",
]


@pytest.mark.parametrize("url", ORGANISER_PAGES)
def test_it_sends_anonymous_visitors_to_sign_in(draft: Letter, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("action", ["publish", "close"])
def test_it_lets_no_anonymous_visitor_publish_or_close(draft: Letter, action: str) -> None:
    response = Client().post(f"/dashboard/letters/secret-draft/{action}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Letter.objects.get().status == Status.DRAFT


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/letters/secret-draft/",
        "/dashboard/letters/secret-draft/preview/",
        "/dashboard/organisations/open-streets-alliance/letters/new/",
    ],
)
def test_it_does_not_reveal_a_draft_to_someone_outside_the_organisation(
    draft: Letter, url: str
) -> None:
    outsider = signed_in("mallory@elsewhere.example")
    organisation_create(name="Elsewhere", owner=User.objects.get(email="mallory@elsewhere.example"))
    response = outsider.get(url)
    assert response.status_code == 404
    assert "A secret draft" not in response.text
    assert "A secret draft" not in outsider.get("/dashboard/").text


@pytest.mark.parametrize("action", ["publish", "close"])
def test_it_does_not_let_an_outsider_publish_or_close(draft: Letter, action: str) -> None:
    outsider = signed_in("mallory@elsewhere.example")
    assert outsider.post(f"/dashboard/letters/secret-draft/{action}/").status_code == 404
    assert Letter.objects.get().status == Status.DRAFT


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MODERATOR])
def test_it_shows_viewers_and_moderators_the_letter_but_does_not_let_them_edit(
    organisation: Organisation, draft: Letter, role: Role
) -> None:
    member = signed_in("vic@campaign.example", organisation, role)

    dashboard = member.get("/dashboard/").text
    assert "A secret draft" in dashboard
    assert "/dashboard/letters/secret-draft/preview/" in dashboard
    assert 'href="/dashboard/letters/secret-draft/"' not in dashboard
    assert "Write a letter" not in dashboard

    preview = member.get("/dashboard/letters/secret-draft/preview/")
    assert preview.status_code == 200
    assert "A secret draft" in preview.text
    assert ">Publish<" not in preview.text

    assert member.get("/dashboard/letters/secret-draft/").status_code == 403
    assert member.post("/dashboard/letters/secret-draft/", {"title": "Mine"}).status_code == 403
    assert member.post("/dashboard/letters/secret-draft/publish/").status_code == 403
    assert (
        member.get("/dashboard/organisations/open-streets-alliance/letters/new/").status_code == 403
    )
    letter = Letter.objects.get()
    assert (letter.title, letter.status) == ("A secret draft", Status.DRAFT)


def test_it_lets_an_editor_publish(organisation: Organisation, draft: Letter) -> None:
    editor = signed_in("eddie@campaign.example", organisation, Role.EDITOR)
    assert editor.get("/dashboard/letters/secret-draft/").status_code == 200
    assert editor.post("/dashboard/letters/secret-draft/publish/").status_code == 302
    assert Letter.objects.get().status == Status.OPEN


def test_it_refuses_to_publish_without_the_csrf_token(organiser: User, draft: Letter) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    assert client.post("/dashboard/letters/secret-draft/publish/").status_code == 403
    assert Letter.objects.get().status == Status.DRAFT


def test_it_publishes_only_on_post(organiser: User, draft: Letter) -> None:
    client = Client()
    client.force_login(organiser)
    assert client.get("/dashboard/letters/secret-draft/publish/").status_code == 405
    assert Letter.objects.get().status == Status.DRAFT


def test_it_keeps_organiser_pages_out_of_shared_caches(organiser: User, draft: Letter) -> None:
    client = Client()
    client.force_login(organiser)
    response = client.get("/dashboard/letters/secret-draft/preview/")
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
