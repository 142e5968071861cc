"""The organisers' API writes what the dashboard writes, through the same domain
functions: a draft letter and its changes, signatures on paper, an update; each in the
audit log under the token's creator, and bad input changes nothing."""

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import run_tasks, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.api.tokens import token_create
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter, Status
from undersigned.organisations.models import Organisation
from undersigned.signing.counts import letter_count_fresh
from undersigned.signing.models import Signature
from undersigned.updates.models import Update, UpdateStatus

EVERY_SCOPE = ["letters:write", "signatures:read", "signatures:write", "updates:send"]


@pytest.fixture
def bearer(organisation: Organisation, organiser: User) -> dict[str, str]:
    _token, secret = token_create(
        organisation=organisation, user=organiser, name="CRM sync", scopes=EVERY_SCOPE
    )
    return {"Authorization": f"Bearer {secret}"}


def post(path: str, data: dict[str, Any], auth: dict[str, str]) -> Any:
    return Client().post(path, data, content_type="application/json", headers=auth)


def test_it_creates_a_draft_and_changes_it(bearer: dict[str, str]) -> None:
    created = post(
        "/api/v1/organisation/petitions/",
        {
            "title": "Fund the night buses",
            "petition_text": "We ask the **council** to fund them.",
            "demands": ["Fund the N29.", " "],
            "target": [{"name": "Chris Roe", "title": "Mayor", "delivery_address": "m@c.example"}],
        },
        bearer,
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["demands"] == ["Fund the N29."]
    assert "m@c.example" not in created.content.decode()
    letter = Letter.objects.get(slug=body["slug"])
    assert letter.targets.get().delivery_address == "m@c.example"
    assert Client().get(f"/api/v1/petitions/{letter.slug}/").status_code == 404

    changed = Client().patch(
        f"/api/v1/organisation/petitions/{letter.slug}/",
        {"goal": 500, "title": "Fund the night buses now"},
        content_type="application/json",
        headers=bearer,
    )

    assert changed.status_code == 200, changed.content
    letter.refresh_from_db()
    assert (letter.goal, letter.title) == (500, "Fund the night buses now")
    assert letter.body == "We ask the **council** to fund them."
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-2:] == ["letter.create", "letter.edit"]


def test_it_refuses_a_bad_letter_and_writes_nothing(bearer: dict[str, str]) -> None:
    before = Letter.objects.count()

    answer = post("/api/v1/organisation/petitions/", {"title": "", "petition_text": ""}, bearer)

    assert answer.status_code == 422
    assert answer.json()["errors"]
    assert Letter.objects.count() == before


def test_it_records_paper_signatures_and_removes_them_as_a_batch(
    petition: Letter, bearer: dict[str, str]
) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    rows = [{"name": "Pat Paper", "country": "Ireland"}, {"name": "Quinn Ink"}]

    answer = post(
        f"/api/v1/organisation/petitions/{petition.slug}/paper-batches/",
        {"label": "Rally, 3 May", "rows": rows},
        bearer,
    )

    assert answer.status_code == 201, answer.content
    assert answer.json()["signatures"] == 2
    count = letter_count_fresh(petition.pk)
    assert (count.total, count.verified) == (3, 0)
    shown = Client().get(f"/api/v1/petitions/{petition.slug}/signatures/").json()
    papers = {s["name"]: s["paper"] for s in shown["_embedded"]["osdi:signatures"]}
    assert papers == {"Suzie Signer": False, "Pat Paper": True, "Quinn Ink": True}
    assert not any(s["verified"] for s in shown["_embedded"]["osdi:signatures"])

    batch = answer.json()["identifiers"][0].rsplit("-", 1)[1]
    removed = Client().delete(f"/api/v1/organisation/paper-batches/{batch}/", headers=bearer)

    assert removed.status_code == 200, removed.content
    assert removed.json()["removed_date"]
    assert letter_count_fresh(petition.pk).total == 1
    call_command("reconcile_counts", "--check")


def test_it_refuses_a_batch_with_one_bad_row_and_counts_none(
    petition: Letter, bearer: dict[str, str]
) -> None:
    rows = [{"name": "Pat Paper"}, {"name": "Quinn Ink", "email": "not an address"}]

    answer = post(
        f"/api/v1/organisation/petitions/{petition.slug}/paper-batches/",
        {"label": "Rally", "rows": rows},
        bearer,
    )

    assert answer.status_code == 422
    assert "rows.2.email" in answer.json()["errors"]
    assert Signature.objects.filter(letter=petition).count() == 0
    assert letter_count_fresh(petition.pk).total == 0


def test_it_exports_the_dashboard_s_rows_as_csv_and_xlsx(
    petition: Letter, bearer: dict[str, str]
) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer", country="Ireland")
    signed_and_confirmed(
        petition, "hazel@example.org", "Hidden Hazel", display="anonymous", comment="=1+1"
    )

    answer = Client().get(
        f"/api/v1/organisation/petitions/{petition.slug}/signatures.csv", headers=bearer
    )
    workbook = Client().get(
        f"/api/v1/organisation/petitions/{petition.slug}/signatures.xlsx", headers=bearer
    )

    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Name"
    assert sorted(row[0] for row in rows[1:]) == ["Anonymous", "Suzie Signer"]
    assert "Hazel" not in text and "@" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet is not None
    cells = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
    assert cells[0] == rows[0]
    assert sorted(row[0] for row in cells[1:]) == ["Anonymous", "Suzie Signer"]


def test_it_sends_an_update_to_those_who_asked(
    petition: Letter, bearer: dict[str, str], mailoutbox: list[Any]
) -> None:
    answer = post(
        f"/api/v1/organisation/petitions/{petition.slug}/updates/",
        {"title": "We delivered it", "description": "Thank you."},
        bearer,
    )

    assert answer.status_code == 201, answer.content
    update = Update.objects.get(letter=petition)
    assert update.status == UpdateStatus.SENDING
    run_tasks()
    update.refresh_from_db()
    assert update.status == UpdateStatus.SENT
    again = Client().get(f"/api/v1/petitions/{petition.slug}/updates/").json()
    assert [u["title"] for u in again] == ["We delivered it"]


def test_it_hides_another_organisation_s_letters(petition: Letter, bearer: dict[str, str]) -> None:
    other_owner = User.objects.create_user("kim@other.example", "a long organiser password")
    from undersigned.organisations.memberships import organisation_create

    other = organisation_create(name="Other Group", owner=other_owner)
    _token, secret = token_create(
        organisation=other, user=other_owner, name="x", scopes=EVERY_SCOPE
    )
    theirs = {"Authorization": f"Bearer {secret}"}

    assert (
        Client()
        .get(f"/api/v1/organisation/petitions/{petition.slug}/signatures/", headers=theirs)
        .status_code
        == 404
    )
    listed = Client().get("/api/v1/organisation/petitions/", headers=theirs).json()
    assert listed["_embedded"]["osdi:petitions"] == []
    assert petition.status == Status.OPEN
