"""The editor's pages (write, preview, test, send, follow) and the public ones (the
letter's updates, each update, the Atom feed), and who may do what."""

from typing import Any
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import run_tasks
from tests.updates.conftest import draft, signer
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.updates.models import Update, UpdateStatus
from undersigned.updates.publishing import update_send


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor_client(organiser: User) -> Client:
    return _client(organiser)


def test_an_editor_writes_previews_tests_and_sends_an_update(
    petition: Letter, organiser: User, editor_client: Client
) -> None:
    signer(petition, "ada@example.org")
    signer(petition, "bo@example.org", consent=False)

    page = editor_client.post(
        f"/dashboard/letters/{petition.slug}/updates/new/",
        {"subject": "The board meets on Friday", "body": "Come **along**."},
    )
    update = Update.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/dashboard/updates/{update.pk}/"

    preview = editor_client.get(page["Location"])
    assert "It will go to <strong>1</strong> address" in preview.text
    html = editor_client.get(f"/dashboard/updates/{update.pk}/email.html")  # the HTML part
    assert f'src="/dashboard/updates/{update.pk}/email.html"' in preview.text
    assert "<strong>along</strong>" in html.text and "sandbox" in html["Content-Security-Policy"]
    assert "Come **along**." in preview.text  # the plain-text part
    assert "Open Streets Alliance via undersigned" in preview.text
    assert f"Read it on the web: http://127.0.0.1:8000/letters/{petition.slug}/updates/" in (
        preview.text
    )  # as signers will get it, though the draft is not public yet

    editor_client.post(f"/dashboard/updates/{update.pk}/test/")
    mail.outbox.clear()
    run_tasks()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([organiser.email], "[Test] The board meets on Friday")
    ]

    editor_client.post(f"/dashboard/updates/{update.pk}/send/")
    mail.outbox.clear()
    run_tasks()
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]

    followed = editor_client.get(f"/dashboard/updates/{update.pk}/")
    assert '<dd data-progress="sent">1</dd>' in followed.text
    assert editor_client.get(f"/dashboard/updates/{update.pk}/progress.json").json() == {
        "status": "sent", "queued": 0, "sent": 1, "failed": 0, "skipped": 0,
    }  # fmt: skip
    again = editor_client.post(f"/dashboard/updates/{update.pk}/send/", follow=True)
    assert "was sent already" in again.text


def test_bad_input_gets_a_clear_error_and_saves_nothing(
    petition: Letter, editor_client: Client
) -> None:
    page = editor_client.post(
        f"/dashboard/letters/{petition.slug}/updates/new/", {"subject": "", "body": ""}
    )
    assert page.status_code == 200
    assert "This field is required." in page.text
    assert not Update.objects.exists()


def test_public_updates_show_on_the_letter_its_list_and_its_feed(petition: Letter) -> None:
    first = draft(petition, subject="First news")
    update_send(first)
    hidden = draft(petition, subject="Just for signers", signers_only=True)
    update_send(hidden)
    draft(petition, subject="Not sent yet")

    letter_page = Client().get(petition.get_absolute_url()).text
    listing = Client().get(f"/letters/{petition.slug}/updates/").text
    for text in (letter_page, listing):
        assert "First news" in text
        assert "Just for signers" not in text and "Not sent yet" not in text
    assert Client().get(f"/letters/{petition.slug}/updates/{hidden.pk}/").status_code == 404

    feed = Client().get(f"/letters/{petition.slug}/updates/feed/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    entries = ElementTree.fromstring(feed.content).findall(f"{atom}entry")  # noqa: S314 (ours)
    assert [entry.findtext(f"{atom}title") for entry in entries] == ["First news"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MODERATOR])
def test_a_member_who_may_not_send_gets_403(
    petition: Letter, organisation: Organisation, role: Role, update: Update
) -> None:
    member = User.objects.create_user(f"{role}@campaign.example", "a long member password")
    Membership.objects.create(organisation=organisation, user=member, role=role)
    client = _client(member)

    assert client.get(f"/dashboard/letters/{petition.slug}/updates/").status_code == 200
    refused = client.get(f"/dashboard/letters/{petition.slug}/updates/new/")
    assert refused.status_code == 403
    assert "Only owners and editors of the organisation may write and send updates" in (
        refused.text
    )
    assert client.post(f"/dashboard/updates/{update.pk}/send/").status_code == 403
    assert client.post(f"/dashboard/updates/{update.pk}/test/").status_code == 403
    update.refresh_from_db()
    assert update.status == UpdateStatus.DRAFT


def test_a_member_of_another_organisation_gets_404(petition: Letter, update: Update) -> None:
    stranger = User.objects.create_user("st@elsewhere.example", "a long stranger password")
    organisation_create(name="Elsewhere", owner=stranger)
    client = _client(stranger)

    for method, path in [
        ("get", f"/dashboard/letters/{petition.slug}/updates/"),
        ("get", f"/dashboard/letters/{petition.slug}/updates/new/"),
        ("get", f"/dashboard/updates/{update.pk}/"),
        ("post", f"/dashboard/updates/{update.pk}/send/"),
        ("get", f"/dashboard/updates/{update.pk}/progress.json"),
    ]:
        assert getattr(client, method)(path).status_code == 404, path


def test_an_owner_sets_the_reply_to_address(
    organisation: Organisation, editor_client: Client, settings: Any
) -> None:
    page = editor_client.post(
        f"/dashboard/organisations/{organisation.slug}/settings/",
        {"name": organisation.name, "contact_email": "team@openstreets.example"},
    )
    assert page.status_code == 302
    organisation.refresh_from_db()
    assert organisation.contact_email == "team@openstreets.example"
