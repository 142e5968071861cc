"""Each organiser action that changes a letter or an organisation leaves one entry, written
through the real page: who, what, whose log, and a keyed hash of where from."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.audit.conftest import client_of, the_entry
from tests.conftest import make_letter, run_tasks, signed_and_confirmed
from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.deliveries.models import Delivery, Response
from undersigned.letters.models import Letter, Status
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.updates.models import Update, UpdateStatus


@pytest.fixture
def draft(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="secret-draft", title="A secret draft", publish=False)


def test_it_records_a_letter_written(
    olu: Client, organiser: User, organisation: Organisation
) -> None:
    new = f"/dashboard/organisations/{organisation.slug}/letters/new/"
    values = form_values(olu.get(new))
    values.update(
        {"title": "Keep the library open", "body": "It matters.", "targets-0-name": "The council"}
    )
    assert olu.post(new, values).status_code == 302

    letter = Letter.objects.get()
    entry = the_entry(
        "letter.create", actor=organiser, target=letter, organisation_id=organisation.pk
    )
    assert "title" in entry.detail["fields"]
    assert entry.detail["version"] is None


def test_it_records_an_edit_and_the_version_it_made(
    olu: Client, organiser: User, organisation: Organisation, petition: Letter
) -> None:
    url = f"/dashboard/letters/{petition.slug}/"
    values = form_values(olu.get(url))
    values["body"] = "We ask Northwind, again, to drop the contract."
    assert olu.post(url, values).status_code == 302

    entry = the_entry(
        "letter.edit", actor=organiser, target=petition, organisation_id=organisation.pk
    )
    assert entry.detail == {"fields": ["body"], "targets_changed": False, "version": 2}


def test_it_records_a_letter_published(
    olu: Client, organiser: User, organisation: Organisation, draft: Letter
) -> None:
    assert olu.post(f"/dashboard/letters/{draft.slug}/publish/").status_code == 302

    draft.refresh_from_db()
    assert draft.status == Status.OPEN
    the_entry("letter.publish", actor=organiser, target=draft, organisation_id=organisation.pk)


def test_it_records_nothing_for_a_publish_refused(olu: Client, petition: Letter) -> None:
    olu.post(f"/dashboard/letters/{petition.slug}/publish/")  # open already
    assert not AuditEntry.objects.filter(action="letter.publish").exists()


def test_it_records_a_letter_closed(
    olu: Client, organiser: User, organisation: Organisation, petition: Letter
) -> None:
    assert olu.post(f"/dashboard/letters/{petition.slug}/close/").status_code == 302

    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    the_entry("letter.close", actor=organiser, target=petition, organisation_id=organisation.pk)


def test_it_records_an_update_sent(
    olu: Client, organiser: User, organisation: Organisation, petition: Letter
) -> None:
    update = Update.objects.create(
        letter=petition, subject="We met the board", body="It went well.", created_by=organiser
    )
    assert olu.post(f"/dashboard/updates/{update.pk}/send/").status_code == 302

    update.refresh_from_db()
    assert update.status != UpdateStatus.DRAFT
    entry = the_entry(
        "update.send", actor=organiser, target=update, organisation_id=organisation.pk
    )
    assert entry.detail == {"letter": petition.slug, "signers_only": False}
    olu.post(f"/dashboard/updates/{update.pk}/send/")  # refused: sent already
    assert AuditEntry.objects.filter(action="update.send").count() == 1


def _deliver_by_hand(client: Client, letter: Letter) -> None:
    data = {
        "method": "manual",
        "targets": [letter.targets.get().pk],
        "delivered_on": timezone.localdate().isoformat(),
        "how": "by hand",
    }
    assert client.post(f"/dashboard/letters/{letter.slug}/deliveries/new/", data).status_code == 302


def test_it_records_a_delivery(
    olu: Client, organiser: User, organisation: Organisation, petition: Letter
) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    _deliver_by_hand(olu, petition)

    delivery = Delivery.objects.get()
    entry = the_entry(
        "delivery.send", actor=organiser, target=delivery, organisation_id=organisation.pk
    )
    assert entry.detail == {
        "letter": petition.slug,
        "number": 1,
        "method": "manual",
        "targets": [petition.targets.get().pk],
        "closes_signing": False,
    }
    assert "Ada" not in str(entry.detail) and "ada@" not in str(entry.detail)


def test_it_records_a_response(
    olu: Client, organiser: User, organisation: Organisation, petition: Letter
) -> None:
    _deliver_by_hand(olu, petition)
    run_tasks()
    target = petition.targets.get()
    page = olu.post(
        f"/dashboard/letters/{petition.slug}/responses/new/",
        {
            "target": target.pk,
            "responded_on": timezone.localdate().isoformat(),
            "text": "We will end the contract.",
        },
    )
    assert page.status_code == 302

    response = Response.objects.get()
    entry = the_entry(
        "response.record", actor=organiser, target=response, organisation_id=organisation.pk
    )
    assert entry.detail == {"letter": petition.slug, "target": target.pk}


def test_it_records_an_organisation_created(olu: Client, organiser: User) -> None:
    page = olu.post("/dashboard/organisations/new/", {"name": "Quiet Streets", "contact_email": ""})
    assert page.status_code == 302

    created = Organisation.objects.get(name="Quiet Streets")
    the_entry("organisation.create", actor=organiser, target=created, organisation_id=created.pk)


def test_it_records_an_organisation_setting_changed(
    olu: Client, organiser: User, organisation: Organisation
) -> None:
    page = olu.post(
        f"/dashboard/organisations/{organisation.slug}/settings/",
        {"name": organisation.name, "contact_email": "hello@streets.example"},
    )
    assert page.status_code == 302

    organisation.refresh_from_db()
    entry = the_entry(
        "organisation.settings",
        actor=organiser,
        target=organisation,
        organisation_id=organisation.pk,
    )
    assert entry.detail == {"fields": ["contact_email"]}


def test_a_refused_change_records_nothing(organisation: Organisation, petition: Letter) -> None:
    editor = User.objects.create_user("eve@campaign.example")
    Membership.objects.create(organisation=organisation, user=editor, role=Role.EDITOR)
    client = client_of(editor)
    url = f"/dashboard/organisations/{organisation.slug}/settings/"
    assert client.post(url, {"name": "Taken over", "contact_email": ""}).status_code == 403
    data = {"method": "manual", "targets": [petition.targets.get().pk]}
    delivery_page = f"/dashboard/letters/{petition.slug}/deliveries/new/"
    assert client.post(delivery_page, data).status_code == 403
    assert not AuditEntry.objects.exists()


def test_an_entry_keeps_no_address_when_there_is_none(
    organiser: User, organisation: Organisation, petition: Letter
) -> None:
    client = client_of(organiser, address="")
    client.post(f"/dashboard/letters/{petition.slug}/close/")
    assert AuditEntry.objects.get().ip_hash == ""


def test_a_deleted_account_still_shows_who_acted(
    olu: Client, organiser: User, petition: Letter
) -> None:
    olu.post(f"/dashboard/letters/{petition.slug}/close/")
    organiser.delete()

    entry = AuditEntry.objects.get()
    assert entry.actor is None
    assert entry.actor_label == "olu@campaign.example"


def test_entries_of_a_day_are_in_the_order_they_happened(
    olu: Client, organisation: Organisation, draft: Letter
) -> None:
    olu.post(f"/dashboard/letters/{draft.slug}/publish/")
    olu.post(f"/dashboard/letters/{draft.slug}/close/")
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["letter.close", "letter.publish"]  # newest first
    first, second = AuditEntry.objects.order_by("id")
    assert first.created_at <= second.created_at <= timezone.now()
    assert timezone.now() - first.created_at < datetime.timedelta(minutes=1)
