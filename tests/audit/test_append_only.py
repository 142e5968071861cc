"""The log is append-only through the application: an entry, once written, is never
changed or deleted, not by the model, a queryset or the admin; and it shares the
transaction of the change it records."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from tests.audit.conftest import client_of
from tests.conftest import make_letter
from undersigned.accounts.models import User
from undersigned.audit.log import audit_record
from undersigned.audit.models import AppendOnlyError, AuditEntry
from undersigned.letters import publishing
from undersigned.letters.models import Letter, Status
from undersigned.organisations.models import Organisation


@pytest.fixture
def entry(organiser: User, organisation: Organisation) -> AuditEntry:
    return audit_record(
        action="organisation.settings",
        actor=organiser,
        target=organisation,
        organisation_id=organisation.pk,
    )


def test_it_refuses_to_change_an_entry(entry: AuditEntry) -> None:
    entry.action = "nothing.happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")
    assert AuditEntry.objects.get().action == "organisation.settings"


def test_it_refuses_to_delete_an_entry(entry: AuditEntry) -> None:
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.count() == 1


def test_the_admin_shows_entries_and_offers_no_change(entry: AuditEntry) -> None:
    operator = User.objects.create_superuser("root@site.example")
    client = Client()
    client.force_login(operator)
    listing = client.get("/admin/audit/auditentry/")
    assert listing.status_code == 200
    assert "organisation.settings" in listing.text
    assert "/admin/audit/auditentry/add/" not in listing.text
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    change_url = f"/admin/audit/auditentry/{entry.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200  # read-only
    assert 'name="action"' not in page.text
    assert client.post(change_url, {"action": "nothing.happened"}).status_code == 403
    delete_url = f"/admin/audit/auditentry/{entry.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    client.post("/admin/audit/auditentry/", bulk)
    assert AuditEntry.objects.get().action == "organisation.settings"


def test_a_rolled_back_change_leaves_no_entry(organiser: User, organisation: Organisation) -> None:
    letter = make_letter(organisation, publish=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        publishing.letter_publish(letter=letter)
        audit_record(
            action="letter.publish",
            actor=organiser,
            target=letter,
            organisation_id=organisation.pk,
        )
        raise RuntimeError("the change failed after its entry was written")
    assert Letter.objects.get().status == Status.DRAFT
    assert not AuditEntry.objects.exists()


@pytest.fixture
def log_refusing_writes(db: None):
    """A database that refuses every new audit entry, as a full disk or a broken table would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION audit_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_auditentry "
                "FOR EACH ROW EXECUTE FUNCTION audit_refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_auditentry "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )


def test_a_change_whose_entry_cannot_be_written_does_not_happen(
    organiser: User, organisation: Organisation, log_refusing_writes: None
) -> None:
    letter = make_letter(organisation, slug="secret-draft", publish=False)
    client = client_of(organiser)
    client.raise_request_exception = True
    with pytest.raises(DatabaseError):
        client.post(f"/dashboard/letters/{letter.slug}/publish/")
    letter.refresh_from_db()
    assert letter.status == Status.DRAFT
    assert not letter.versions.exists()


def test_an_entry_that_is_not_json_changes_nothing(
    organiser: User, organisation: Organisation
) -> None:
    letter = make_letter(organisation, publish=False)
    with pytest.raises(ValidationError), transaction.atomic():
        publishing.letter_publish(letter=letter)
        audit_record(
            action="letter.publish",
            actor=organiser,
            target=letter,
            organisation_id=organisation.pk,
            detail={"when": object()},
        )
    assert Letter.objects.get().status == Status.DRAFT
    assert not AuditEntry.objects.exists()
