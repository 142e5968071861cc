"""An owner delivers the letter: the target's mailbox gets the PDF and CSV, which hold the
signatories exactly as the public sees them (DESIGN.md invariants 4 and 5), the letter page
keeps a public record, later signatures go in an addendum, and a target's answer is
published under its delivery."""

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.mail.conftest import Relay, use_relay
from undersigned.accounts.models import User
from undersigned.deliveries.models import Delivery, DeliveryStatus, Response
from undersigned.letters.models import Eligibility, FieldRule, Letter, Status, Target
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.updates.models import Kind, Update, UpdateStatus


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def owner(organiser: User) -> Client:
    return _client(organiser)


@pytest.fixture
def delivered_petition(petition: Letter) -> Letter:
    Target.objects.filter(letter=petition).update(delivery_address="dana@northwind.example")
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace", comment="For my street.")
    signed_and_confirmed(petition, "bo@example.org", "Bo Diddley", display="initials")
    signed_and_confirmed(petition, "cy@example.org", "Cy Twombly", display="anonymous")
    return petition


def _deliver(client: Client, letter: Letter, **fields: Any) -> Any:
    target = letter.targets.get()
    data = {"method": "email", "targets": [target.pk], "closes_signing": "on", **fields}
    return client.post(f"/dashboard/letters/{letter.slug}/deliveries/new/", data)


def test_an_emailed_delivery_reaches_the_target_with_what_the_public_sees(
    delivered_petition: Letter, owner: Client, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    letter = delivered_petition
    assert _deliver(owner, letter).status_code == 302
    letter.refresh_from_db()
    assert letter.status == Status.CLOSED  # signing closed with it
    run_tasks()
    letter.refresh_from_db()
    assert letter.status == Status.DELIVERED  # once the relay took it

    [message] = [d for d in relay.deliveries if d.rcpt_tos == ["dana@northwind.example"]]
    attachments = {part.get_filename(): part for part in message.message.iter_attachments()}
    pdf = attachments[f"{letter.slug}-1.pdf"].get_content()
    csv = attachments[f"{letter.slug}-1-signatories.csv"].get_content()
    text = _pdf_text(pdf)
    for shown in ("Ada Lovelace", "For my street.", "B. D.", "Anonymous", "Dana Whitfield"):
        assert shown in text, shown
    for hidden in ("Bo Diddley", "Cy Twombly", "@example.org"):
        assert hidden not in text and hidden not in csv, hidden
    assert letter.versions.get().text_hash in text
    assert "Ada Lovelace" in csv and "B. D." in csv
    assert "Postal code" not in csv and "Country" not in csv  # the public's columns only

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.recipients.get().sent_at is not None
    page = Client().get(letter.get_absolute_url()).text
    today = timezone.localdate()
    assert (
        f"Delivered to Dana Whitfield, CEO, Northwind Systems on {today:%-d %B %Y} "
        "with 3 signatures"
    ) in page
    download = Client().get(delivery.pdf_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert _pdf_text(b"".join(download.streaming_content)) == text  # type: ignore[arg-type]


def test_below_the_reveal_threshold_the_pdf_names_nobody(
    organisation: Organisation, owner: Client
) -> None:
    letter = make_letter(
        organisation,
        slug="quiet-letter",
        eligibility=Eligibility.ACADEMIC,
        ask_affiliation=FieldRule.OPTIONAL,
        reveal_threshold=5,
    )
    signed_and_confirmed(letter, "ada@stanford.edu", "Ada Lovelace")
    _deliver(owner, letter, method="manual", delivered_on=timezone.localdate().isoformat())
    run_tasks()

    delivery = Delivery.objects.get()
    text = _pdf_text(delivery.pdf.read())
    assert "Ada Lovelace" not in text
    assert "The signatories are not named" in text
    assert delivery.csv.read().decode().count("\n") == 1  # the header row alone


def test_an_academic_letter_is_delivered_grouped_by_institution(
    academic_letter: Letter, owner: Client
) -> None:
    signed_and_confirmed(academic_letter, "ada@stanford.edu", "Ada Lovelace", title="Professor")
    signed_and_confirmed(academic_letter, "alan@mit.edu", "Alan Turing", title="Lecturer")
    _deliver(owner, academic_letter, method="manual", delivered_on=timezone.localdate().isoformat())
    run_tasks()

    text = _pdf_text(Delivery.objects.get().pdf.read())
    assert text.index("Massachusetts Institute of Technology") < text.index("Alan Turing")
    assert text.index("Stanford University") < text.index("Ada Lovelace")
    assert "I will not build autonomous weapons." in text  # the pledge


def test_later_signatures_go_in_an_addendum(
    delivered_petition: Letter, owner: Client, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    letter = delivered_petition
    _deliver(owner, letter, closes_signing="")
    run_tasks()
    signed_and_confirmed(letter, "di@example.org", "Di Fortune")
    signed_and_confirmed(letter, "ed@example.org", "Ed Ruscha")

    page = Client().get(letter.get_absolute_url()).text
    assert "2 since delivery" in page

    _deliver(owner, letter)
    run_tasks()
    addendum = Delivery.objects.get(number=2)
    assert addendum.is_addendum and addendum.signatures == 2
    text = _pdf_text(addendum.pdf.read())
    assert "Di Fortune" in text and "Ed Ruscha" in text
    assert "Ada Lovelace" not in text
    assert "Addendum delivered to Dana Whitfield" in Client().get(letter.get_absolute_url()).text


def test_a_manual_delivery_is_recorded_with_its_day_and_note(
    delivered_petition: Letter, owner: Client
) -> None:
    day = timezone.localdate() - datetime.timedelta(days=3)
    Letter.objects.filter(pk=delivered_petition.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=10)
    )
    delivered_petition.refresh_from_db()
    answer = _deliver(
        owner,
        delivered_petition,
        method="manual",
        delivered_on=day.isoformat(),
        how="by hand",
        note="Handed to the CEO's office.",
    )
    assert answer.status_code == 302
    run_tasks()

    page = Client().get(delivered_petition.get_absolute_url()).text
    assert f"by hand, on {day:%-d %B %Y} with 3 signatures" in page
    assert "Handed to the CEO&#x27;s office." in page


def test_bad_delivery_input_gets_a_clear_error_and_changes_nothing(
    petition: Letter, owner: Client
) -> None:
    no_address = _deliver(owner, petition)  # the target has no email address
    assert no_address.status_code == 400
    assert "needs an email delivery address" in no_address.text
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    future = _deliver(owner, petition, method="manual", delivered_on=tomorrow.isoformat())
    assert "a day still to come" in future.text
    before = timezone.localdate() - datetime.timedelta(days=1)
    early = _deliver(owner, petition, method="manual", delivered_on=before.isoformat())
    assert "cannot have been delivered before" in early.text
    assert not Delivery.objects.exists()
    petition.refresh_from_db()
    assert petition.status == Status.OPEN


def test_an_editor_records_a_response_and_drafts_an_update_from_it(
    delivered_petition: Letter, owner: Client
) -> None:
    today = timezone.localdate().isoformat()
    _deliver(owner, delivered_petition, method="manual", delivered_on=today)
    run_tasks()
    target = delivered_petition.targets.get()
    page = owner.post(
        f"/dashboard/letters/{delivered_petition.slug}/responses/new/",
        {
            "target": target.pk,
            "responded_on": today,
            "text": "We will **end** the contract.",
            "source_url": "https://northwind.example/memo",
        },
    )
    response = Response.objects.get()
    assert page.status_code == 302
    assert response.delivery == Delivery.objects.get()

    letter_page = Client().get(delivered_petition.get_absolute_url()).text
    assert "Dana Whitfield, CEO, Northwind Systems answered" in letter_page
    assert "We will <strong>end</strong> the contract." in letter_page
    story = letter_page[letter_page.index("The campaign so far") :]
    assert story.index("Published by") < story.index("Delivered to") < story.index("answered")

    drafted = owner.post(f"/dashboard/responses/{response.pk}/update/")
    update = Update.objects.get()
    assert drafted["Location"] == f"/dashboard/updates/{update.pk}/edit/"
    assert update.kind == Kind.RESPONSE and update.status == UpdateStatus.DRAFT
    assert "> We will **end** the contract." in update.body


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR, Role.MODERATOR])
def test_only_owners_deliver(
    delivered_petition: Letter, organisation: Organisation, role: Role
) -> None:
    member = User.objects.create_user(f"{role}@campaign.example", "a long member password")
    Membership.objects.create(organisation=organisation, user=member, role=role)

    assert _deliver(_client(member), delivered_petition).status_code == 403
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.MODERATOR])
def test_a_viewer_cannot_record_a_response(
    delivered_petition: Letter, organisation: Organisation, role: Role
) -> None:
    member = User.objects.create_user(f"{role}@campaign.example", "a long member password")
    Membership.objects.create(organisation=organisation, user=member, role=role)
    client = _client(member)
    path = f"/dashboard/letters/{delivered_petition.slug}/responses/new/"

    assert client.get(path).status_code == 403
    assert client.post(path, {"target": delivered_petition.targets.get().pk}).status_code == 403
    assert not Response.objects.exists()


def test_a_member_of_another_organisation_gets_404(delivered_petition: Letter) -> None:
    stranger = User.objects.create_user("st@elsewhere.example", "a long stranger password")
    organisation_create(name="Elsewhere", owner=stranger)
    client = _client(stranger)

    assert _deliver(client, delivered_petition).status_code == 404
    for path in (
        f"/dashboard/letters/{delivered_petition.slug}/deliveries/",
        f"/dashboard/letters/{delivered_petition.slug}/responses/new/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_signer_who_withdraws_after_delivery_leaves_the_public_pdf(
    delivered_petition: Letter, owner: Client
) -> None:
    from undersigned.signing.models import Signature
    from undersigned.signing.signatures import signature_withdraw

    _deliver(owner, delivered_petition, method="manual", delivered_on=timezone.localdate())
    run_tasks()
    delivery = Delivery.objects.get()
    first_file = delivery.pdf.name
    assert "Ada Lovelace" in _pdf_text(delivery.pdf.read())

    ada = Signature.objects.get(name="Ada Lovelace")
    signature_withdraw(signature_id=ada.pk)
    waiting = Client().get(delivery.pdf_url)
    assert waiting.status_code == 503 and waiting["Retry-After"]
    assert "being updated" in waiting.text
    assert owner.get(f"/dashboard/deliveries/{delivery.pk}.csv").status_code == 503

    run_tasks()  # the worker builds it again
    download = Client().get(delivery.pdf_url)
    assert download.status_code == 200
    text = _pdf_text(b"".join(download.streaming_content))  # type: ignore[arg-type]
    assert "Ada Lovelace" not in text and "B. D." in text
    csv = b"".join(owner.get(f"/dashboard/deliveries/{delivery.pk}.csv").streaming_content)  # type: ignore[attr-defined]
    assert b"Ada Lovelace" not in csv
    delivery.refresh_from_db()
    assert not delivery.pdf.storage.exists(first_file)  # the old file is gone, not kept


def test_a_refused_delivery_is_not_on_the_record_and_the_next_carries_everyone(
    delivered_petition: Letter, owner: Client, relay: Relay, settings: Any
) -> None:
    use_relay(settings, relay)
    relay.refused.add("dana@northwind.example")
    _deliver(owner, delivered_petition)
    run_tasks()

    failed = Delivery.objects.get()
    assert failed.status == DeliveryStatus.FAILED
    delivered_petition.refresh_from_db()
    assert delivered_petition.status == Status.CLOSED  # closed, but not delivered
    assert "Delivered to" not in Client().get(delivered_petition.get_absolute_url()).text
    assert "refused" in owner.get(f"/dashboard/letters/{delivered_petition.slug}/deliveries/").text

    relay.refused.clear()
    _deliver(owner, delivered_petition)
    run_tasks()
    second = Delivery.objects.get(number=2)
    assert not second.is_addendum and second.signatures == 3
    assert second.status == DeliveryStatus.DELIVERED
