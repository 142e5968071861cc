"""With a token, organisers read their organisation's letters, drafts included, create a
draft and change a letter, read the signatures their export shows, and send an update:
each recorded in the audit log under the token, each refused cleanly when wrong."""

from typing import Any

from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.api.conftest import bearer, get
from tests.conftest import make_letter, run_tasks, sign_and_confirm, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.deliveries.models import Response
from undersigned.deliveries.responses import response_record
from undersigned.letters.models import Letter, Status
from undersigned.organisations.models import Organisation
from undersigned.updates.models import Update

OWN = "/api/v1/organisation/petitions/"


def send(method: str, path: str, secret: str, body: dict[str, Any]) -> Any:
    call = getattr(Client(), method)
    return call(path, body, content_type="application/json", headers=bearer(secret))


def test_it_lists_the_organisations_letters_drafts_included(
    petition: Letter, organisation: Organisation, secret: str
) -> None:
    make_letter(organisation, slug="a-draft", publish=False)

    listed = get(OWN, secret).json()["_embedded"]["osdi:petitions"]

    assert {p["slug"]: p["status"] for p in listed} == {
        "a-draft": "draft",
        "drop-the-contract": "open",
    }


def test_it_creates_a_draft_that_stays_private(organisation: Organisation, secret: str) -> None:
    created = send(
        "post",
        OWN,
        secret,
        {
            "title": "Fund the night buses",
            "petition_text": "We ask the council to **fund** them.",
            "demands": ["Fund them.", " ", "Publish the budget."],
            "goal": 500,
            "target": [
                {
                    "name": "Mo Ahmed",
                    "title": "Mayor",
                    "organization": "City Council",
                    "delivery_address": "mayor@council.example",
                }
            ],
        },
    )

    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["status"], data["slug"], data["goal"]) == ("draft", "fund-the-night-buses", 500)
    assert data["demands"] == ["Fund them.", "Publish the budget."]
    assert data["target"] == [
        {"name": "Mo Ahmed", "title": "Mayor", "organization": "City Council"}
    ]
    letter = Letter.objects.get(slug="fund-the-night-buses")
    assert (letter.status, letter.organisation) == (Status.DRAFT, organisation)
    assert letter.targets.get().delivery_address == "mayor@council.example"
    assert get("/api/v1/petitions/fund-the-night-buses/").status_code == 404
    entry = AuditEntry.objects.get(action="letter.create")
    assert entry.detail["api_token"].startswith("usg_")
    assert entry.actor == letter.organisation.memberships.get().user


def test_it_refuses_a_letter_that_does_not_fit_with_every_reason(secret: str) -> None:
    refusals: list[tuple[dict[str, Any], str]] = [
        ({"petition_text": "No title."}, "title"),
        ({"title": "x" * 201, "petition_text": "Too long a title."}, "title"),
        ({"title": "A goal of none", "petition_text": "Text.", "goal": 0}, "goal"),
    ]
    for body, field in refusals:
        refused = send("post", OWN, secret, body)
        assert refused.status_code == 422, body
        assert field in refused.json()["errors"], refused.json()
        assert refused.json()["detail"]
    assert not Letter.objects.exists()


def test_it_names_a_refused_field_as_the_client_sent_it(petition: Letter, secret: str) -> None:
    """A field the model calls otherwise (`body`, `subject`) is refused under the API's name."""
    refusals = [
        (send("post", OWN, secret, {"title": "Blank", "petition_text": ""}), {"petition_text"}),
        (send("patch", f"{OWN}{petition.slug}/", secret, {"petition_text": ""}), {"petition_text"}),
        (
            send(
                "post", f"{OWN}{petition.slug}/updates/", secret, {"title": "", "description": ""}
            ),
            {"title", "description"},
        ),
    ]

    for refused, fields in refusals:
        assert refused.status_code == 422
        assert set(refused.json()["errors"]) == fields, refused.json()


def test_it_changes_only_what_it_is_given(petition: Letter, secret: str) -> None:
    changed = send(
        "patch",
        f"{OWN}{petition.slug}/",
        secret,
        {"title": "Drop every camera contract", "target": [{"name": "The Board"}]},
    )

    assert changed.status_code == 200, changed.content
    petition.refresh_from_db()
    assert petition.title == "Drop every camera contract"
    assert petition.body == "We ask **Northwind** to drop the contract."
    assert petition.goal == 1000
    assert [t.name for t in petition.targets.all()] == ["The Board"]
    assert get(f"/api/v1/petitions/{petition.slug}/").json()["title"] == petition.title
    assert AuditEntry.objects.filter(action="letter.edit").count() == 1


def test_the_export_shows_what_the_letters_policy_lets_organisers_see(
    petition: Letter, academic_letter: Letter, secret: str
) -> None:
    signed_and_confirmed(
        petition, "ada@example.org", "Ada Lovelace", country="NL", postal_code="1012 AB"
    )
    signed_and_confirmed(
        academic_letter, "ada@stanford.edu", "Ada Lovelace", affiliation="Stanford", title="Prof"
    )

    [anyone] = get(f"{OWN}{petition.slug}/signatures/", secret).json()["_embedded"][
        "osdi:signatures"
    ]
    [academic] = get(f"{OWN}{academic_letter.slug}/signatures/", secret).json()["_embedded"][
        "osdi:signatures"
    ]

    assert (anyone["country"], anyone["postal_code"]) == ("NL", "1012 AB")
    assert anyone["created_date"] is not None
    # An academic letter promised its signers that organisers see what the public sees.
    assert (academic["country"], academic["postal_code"], academic["created_date"]) == (
        "",
        "",
        None,
    )
    assert anyone["identifiers"][0].startswith("undersigned:signature-")


def test_it_sends_an_update_to_the_signers_who_asked_only(petition: Letter, secret: str) -> None:
    sign_and_confirm(petition, email="suzie@example.org")
    sign_and_confirm(petition, email="quiet@example.org", consent_updates=None)
    run_tasks()
    mail.outbox.clear()

    sent = send(
        "post",
        f"{OWN}{petition.slug}/updates/",
        secret,
        {"title": "We delivered it", "description": "Thank **you**."},
    )
    run_tasks()

    assert sent.status_code == 201, sent.content
    assert sent.json()["title"] == "We delivered it"
    assert Update.objects.get().subject == "We delivered it"
    assert [message.to for message in mail.outbox] == [["suzie@example.org"]]
    public = get(f"/api/v1/petitions/{petition.slug}/updates/").json()
    assert [update["title"] for update in public] == ["We delivered it"]


def test_it_refuses_a_body_that_is_not_json(petition: Letter, secret: str) -> None:
    refused = Client().post(
        f"{OWN}{petition.slug}/updates/",
        "title=Hello",
        content_type="application/x-www-form-urlencoded",
        headers=bearer(secret),
    )

    assert 400 <= refused.status_code < 500
    assert not Update.objects.exists()


def test_changing_the_targets_keeps_an_answer_one_of_them_gave(
    petition: Letter, organiser: User, secret: str
) -> None:
    """Found by tests/api/test_schema_fuzz.py: the answer's target is protected, and
    replacing the targets used to be a 500."""
    response_record(
        letter=petition,
        response=Response(
            target=petition.targets.get(), responded_on=timezone.localdate(), text="No."
        ),
        by=organiser,
    )

    changed = send("patch", f"{OWN}{petition.slug}/", secret, {"target": [{"name": "The Board"}]})

    assert changed.status_code in (200, 422), changed.content[:300]
    assert changed["Content-Type"].startswith("application/json")
    answers = get(f"/api/v1/petitions/{petition.slug}/answers/").json()
    assert [(a["target"]["name"], a["text"]) for a in answers] == [("Dana Whitfield", "No.")]
