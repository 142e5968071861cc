"""The organiser's paper page: its batches, who may do what there, removing a batch with
a confirmation, and a signature on paper as the public sees it."""

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from tests.conftest import run_tasks
from tests.paper.conftest import paper_path
from tests.updates.conftest import draft, signer
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter, Status
from undersigned.organisations.models import Role
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import PaperBatch, Signature
from undersigned.signing.paper import PaperRow, paper_batch_record
from undersigned.updates.publishing import update_send

Member = Callable[[Role], Client]


@pytest.fixture
def batch(petition: Letter, organiser: User) -> PaperBatch:
    rows = [
        PaperRow(name="Ada Okafor", email="ada@example.org"),
        PaperRow(name="Bruno Lind"),
    ]
    return paper_batch_record(
        letter=petition, rows=rows, entered_by=organiser, label="Rally, 3 May"
    )


def test_it_lists_the_batches_and_what_an_editor_can_do(
    owner: Client, petition: Letter, batch: PaperBatch
) -> None:
    page = owner.get(paper_path(petition.slug))
    assert page.status_code == 200
    text = page.text
    assert "2 signatures collected on paper count towards this letter." in text
    assert '<th scope="row">Rally, 3 May</th>' in text
    assert "olu@campaign.example" in text
    assert paper_path(petition.slug, f"{batch.pk}/remove/") in text
    for part in ("sheet.pdf", "enter/", "upload/", "template.csv"):
        assert paper_path(petition.slug, part) in text


def test_it_shows_a_viewer_the_batches_and_the_sheet_but_no_way_to_change_them(
    member: Member, petition: Letter, batch: PaperBatch
) -> None:
    viewer = member(Role.VIEWER)
    text = viewer.get(paper_path(petition.slug)).text
    assert "Rally, 3 May" in text
    assert paper_path(petition.slug, "sheet.pdf") in text
    assert paper_path(petition.slug, "enter/") not in text
    assert paper_path(petition.slug, f"{batch.pk}/remove/") not in text


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MODERATOR])
def test_it_refuses_entering_and_removing_to_who_does_not_edit(
    member: Member, petition: Letter, batch: PaperBatch, role: Role
) -> None:
    client = member(role)
    for part in ("enter/", "upload/", f"{batch.pk}/remove/"):
        assert client.get(paper_path(petition.slug, part)).status_code == 403, part
        assert client.post(paper_path(petition.slug, part), {}).status_code == 403, part
    assert letter_count_fresh(petition.pk).total == 2
    assert not PaperBatch.objects.filter(removed_at__isnull=False).exists()


def test_it_lets_an_editor_enter_signatures(member: Member, petition: Letter) -> None:
    editor = member(Role.EDITOR)
    data = {
        "label": "Market, 4 May",
        "rows-TOTAL_FORMS": "1",
        "rows-INITIAL_FORMS": "0",
        "rows-0-name": "Chen Wei",
    }
    assert editor.post(paper_path(petition.slug, "enter/"), data).status_code == 302
    assert Signature.objects.get(letter=petition).name == "Chen Wei"


def test_it_is_no_business_of_anyone_outside(
    outsider: Client, petition: Letter, batch: PaperBatch
) -> None:
    for part in ("", "enter/", "upload/", "template.csv", f"{batch.pk}/remove/"):
        assert outsider.get(paper_path(petition.slug, part)).status_code == 404, part


def test_it_sends_a_visitor_to_sign_in(petition: Letter) -> None:
    response = Client().get(paper_path(petition.slug))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_says_so_when_the_letter_is_not_open(owner: Client, petition: Letter) -> None:
    Letter.objects.filter(pk=petition.pk).update(status=Status.CLOSED)
    text = owner.get(paper_path(petition.slug)).text
    assert "signatures on paper can be entered only while it is" in text
    assert paper_path(petition.slug, "enter/") not in text


def test_it_asks_before_removing_a_batch_and_then_the_count_follows(
    owner: Client, petition: Letter, batch: PaperBatch
) -> None:
    path = paper_path(petition.slug, f"{batch.pk}/remove/")
    asked = owner.get(path)
    assert asked.status_code == 200
    assert "2 signatures leave the count of “Drop the camera contract”" in asked.text
    assert letter_count_fresh(petition.pk).total == 2  # asking changes nothing

    removed = owner.post(path)
    assert removed.status_code == 302
    assert letter_count_fresh(petition.pk).total == 0
    listed = owner.get(removed["Location"]).text
    assert "The batch “Rally, 3 May” is removed: 2 signatures left the count." in listed
    assert "Removed " in listed and path not in listed
    assert AuditEntry.objects.filter(action="paper.remove", target_id=str(batch.pk)).exists()


def test_it_removes_only_a_batch_of_this_letter(
    owner: Client, petition: Letter, batch: PaperBatch, organisation: object
) -> None:
    from tests.conftest import make_letter

    other = make_letter(petition.organisation, slug="second-letter")
    path = paper_path(other.slug, f"{batch.pk}/remove/")
    assert owner.post(path).status_code == 404
    assert letter_count_fresh(petition.pk).total == 2


def test_it_shows_the_public_a_signature_on_paper_as_on_paper_and_not_verified(
    petition: Letter, batch: PaperBatch
) -> None:
    page = Client().get(f"/letters/{petition.slug}/signatures/").text
    assert '<li class="signature">' in page
    assert "Ada Okafor · On paper" in page
    assert "Bruno Lind · On paper" in page
    assert "is-verified" not in page
    assert "ada@example.org" not in page


def test_it_never_sends_an_update_to_a_signature_on_paper(
    petition: Letter, batch: PaperBatch, settings: object
) -> None:
    settings.UPDATE_SEND_RATE = 0  # type: ignore[attr-defined]
    signer(petition, "suzie@example.org")
    # Even were a consent and an address on them, the rule refuses them.
    Signature.objects.filter(paper_batch=batch).update(
        consent_updates=True, contact_email="ada@example.org"
    )
    mail.outbox.clear()
    update = draft(petition)
    update_send(update)
    run_tasks()
    sent = [message.to for message in mail.outbox if message.subject == update.subject]
    assert sent == [["suzie@example.org"]]
