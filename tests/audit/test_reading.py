"""Owners read their organisation's log, operators read everything; nobody else reads any."""

import pytest
from django.test import Client

from tests.audit.conftest import client_of
from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.pages.audit_views import ENTRIES_PER_PAGE

URL = "/dashboard/organisations/open-streets-alliance/audit/"
ALL = "/dashboard/audit/"


@pytest.fixture
def other(db: None) -> Organisation:
    mallory = User.objects.create_user("mallory@elsewhere.example")
    return organisation_create(name="Elsewhere", owner=mallory)


@pytest.fixture
def logged(organiser: User, organisation: Organisation, other: Organisation) -> None:
    audit_record(
        action="letter.publish",
        actor=organiser,
        target=organisation,
        organisation_id=organisation.pk,
    )
    audit_record(
        action="organisation.settings",
        actor=organiser,
        target=organisation,
        organisation_id=organisation.pk,
        detail={"fields": ["contact_email"]},
    )
    audit_record(action="letter.close", actor=None, target=other, organisation_id=other.pk)


def member(organisation: Organisation, role: Role) -> Client:
    user = User.objects.create_user(f"{role}@campaign.example")
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return client_of(user)


@pytest.mark.parametrize("url", [URL, ALL])
def test_it_sends_anonymous_visitors_to_sign_in(logged: None, url: str) -> None:
    page = Client().get(url)
    assert page.status_code == 302
    assert page["Location"] == f"/accounts/login/?next={url}"


def test_it_does_not_show_an_organisation_its_log_to_outsiders(logged: None) -> None:
    mallory = client_of(User.objects.get(email="mallory@elsewhere.example"))
    page = mallory.get(URL)
    assert page.status_code == 404
    assert "organisation.settings" not in page.text


@pytest.mark.parametrize("role", [Role.EDITOR, Role.MODERATOR, Role.VIEWER])
def test_it_shows_the_log_to_no_member_but_owners(
    logged: None, organisation: Organisation, role: Role
) -> None:
    page = member(organisation, role).get(URL)
    assert page.status_code == 403
    assert "organisation.settings" not in page.text


def test_an_owner_reads_their_organisations_log_newest_first(logged: None, olu: Client) -> None:
    page = olu.get(URL)
    assert page.status_code == 200
    text = page.text[page.text.index("<table") :]
    assert "<caption>" in text and '<th scope="col">Who</th>' in text
    assert text.index("organisation.settings") < text.index("letter.publish")
    assert "fields: contact_email" in text
    assert "olu@campaign.example" in text
    assert "letter.close" not in text  # the other organisation's


def test_an_owner_filters_the_log_by_action(logged: None, olu: Client) -> None:
    page = olu.get(URL, {"action": "letter.publish"})
    assert page.status_code == 200
    table = page.text[page.text.index("<table") :]
    assert "letter.publish" in table
    assert "organisation.settings" not in table


def test_an_unknown_action_gets_a_clear_error(logged: None, olu: Client) -> None:
    page = olu.get(URL, {"action": "letter.close"})  # only the other organisation's
    assert page.status_code == 400
    assert "Select a valid choice" in page.text


def test_the_log_comes_a_page_at_a_time(
    organiser: User, organisation: Organisation, olu: Client
) -> None:
    for number in range(ENTRIES_PER_PAGE + 5):
        audit_record(
            action="letter.edit",
            actor=organiser,
            target=organisation,
            organisation_id=organisation.pk,
            detail={"version": number},
        )
    first = olu.get(URL).text
    assert f"version: {ENTRIES_PER_PAGE + 4}<" in first
    assert "version: 4<" not in first
    assert 'rel="next" href="?page=2"' in first
    second = olu.get(URL, {"page": 2}).text
    assert "version: 4<" in second and "version: 0<" in second
    assert f"version: {ENTRIES_PER_PAGE + 4}<" not in second


def test_the_dashboard_links_owners_to_the_log(organisation: Organisation, olu: Client) -> None:
    assert URL in olu.get("/dashboard/").text
    assert URL not in member(organisation, Role.EDITOR).get("/dashboard/").text


def test_only_operators_read_the_whole_log(logged: None, olu: Client) -> None:
    assert olu.get(ALL).status_code == 403
    staff = User.objects.create_user("ops@site.example", is_staff=True)
    page = client_of(staff).get(ALL)
    assert page.status_code == 200
    for action in ("letter.publish", "organisation.settings", "letter.close"):
        assert action in page.text
    assert "the system" in page.text
    table = page.text[page.text.index("<table") :]
    assert '<th scope="col">Organisation</th>' in table
    assert "Elsewhere" in table and "Open Streets Alliance" in table


def test_operators_still_read_the_log_of_a_deleted_organisation(
    logged: None, other: Organisation
) -> None:
    number = other.pk
    other.delete()
    staff = User.objects.create_user("ops@site.example", is_staff=True)
    page = client_of(staff).get(ALL, {"action": "letter.close"})
    assert page.status_code == 200
    assert f"number {number} (deleted)" in page.text
