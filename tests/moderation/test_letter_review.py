"""The platform moderators' review of letters: new letters wait in review where the site
asks for it; the public reports a letter; a moderator takes it down and nothing is lost;
the organisers appeal once."""

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from tests.conftest import ORIGIN, make_letter, sign, signed_and_confirmed
from tests.moderation.conftest import member, signed_in
from undersigned.accounts.models import User
from undersigned.audit.models import AuditEntry
from undersigned.letters.models import Letter, Status
from undersigned.moderation.models import Appeal, Report, ReportState
from undersigned.organisations.models import Organisation, Role
from undersigned.signing.models import Signature, State
from undersigned.signing.signatures import SignatureInput, signature_create
from undersigned.signing.tokens import confirmation_token


@pytest.fixture
def moderator(db: None) -> User:
    return User.objects.create_user(
        "mod@platform.example", "a long moderator password", is_moderator=True
    )


@pytest.fixture
def review_on(settings: Any) -> None:
    settings.LETTERS_NEED_REVIEW = True


def report(letter: Letter, reason: str = "personal_data", note: str = "", **headers: Any) -> Any:
    data = {"reason": reason, "note": note}
    return Client().post(f"/letters/{letter.slug}/report/", data, HTTP_ORIGIN=ORIGIN, **headers)


def decide(moderator: User, letter: Letter, decision: str, **fields: str) -> Any:
    url = f"/dashboard/review/letters/{letter.slug}/"
    return signed_in(moderator).post(url, {"decision": decision, **fields})


# Review of new letters


def test_publishing_sends_a_letter_to_review_where_the_site_asks(
    review_on: None, organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(organisation, publish=False, slug="in-review")

    response = signed_in(organiser).post(f"/dashboard/letters/{letter.slug}/publish/")

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == Status.IN_REVIEW
    assert Client().get("/letters/in-review/").status_code == 404
    assert sign(Client(), letter).status_code == 404
    dashboard = signed_in(organiser).get("/dashboard/").text
    assert "Waiting for review" in dashboard
    assert AuditEntry.objects.filter(action="letter.submit", target_id=str(letter.pk)).exists()


def test_without_review_publishing_opens_the_letter(
    organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(organisation, publish=False, slug="opens")

    signed_in(organiser).post(f"/dashboard/letters/{letter.slug}/publish/")

    letter.refresh_from_db()
    assert letter.status == Status.OPEN


def test_a_moderator_approves_a_letter_and_its_organisers_are_told(
    review_on: None,
    organisation: Organisation,
    organiser: User,
    moderator: User,
    tasks: Callable[[], None],
) -> None:
    editor = member(organisation, Role.EDITOR)
    viewer = member(organisation, Role.VIEWER)
    letter = make_letter(organisation, publish=False, slug="to-approve")
    signed_in(organiser).post(f"/dashboard/letters/{letter.slug}/publish/")
    queue = signed_in(moderator).get("/dashboard/review/")
    assert queue.status_code == 200
    assert "to-approve" in queue.text
    page = signed_in(moderator).get("/dashboard/review/letters/to-approve/")
    assert page.status_code == 200
    assert "We ask <strong>Northwind</strong> to drop the contract." in page.text

    assert decide(moderator, letter, "approve").status_code == 302

    letter.refresh_from_db()
    assert letter.status == Status.OPEN
    assert Client().get("/letters/to-approve/").status_code == 200
    entry = AuditEntry.objects.get(action="letter.approve")
    assert entry.actor == moderator
    assert entry.organisation_id == organisation.pk
    mail.outbox.clear()
    tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([organiser.email, editor.email])
    assert viewer.email not in [m.to[0] for m in mail.outbox]
    tasks()
    assert len(mail.outbox) == 2  # once each, however often the task runs


def test_a_moderator_sends_a_letter_back_with_a_reason_and_it_can_be_resubmitted(
    review_on: None, organisation: Organisation, organiser: User, moderator: User
) -> None:
    letter = make_letter(organisation, publish=False, slug="to-fix")
    owner = signed_in(organiser)
    owner.post("/dashboard/letters/to-fix/publish/")

    assert decide(moderator, letter, "reject", **{"reject-note": ""}).status_code == 400
    letter.refresh_from_db()
    assert letter.status == Status.IN_REVIEW

    decide(moderator, letter, "reject", **{"reject-note": "Name the company's <CEO> correctly."})

    letter.refresh_from_db()
    assert letter.status == Status.DRAFT
    assert letter.review_note == "Name the company's <CEO> correctly."
    dashboard = owner.get("/dashboard/").text
    assert "Name the company&#x27;s &lt;CEO&gt; correctly." in dashboard
    owner.post("/dashboard/letters/to-fix/publish/")
    letter.refresh_from_db()
    assert letter.status == Status.IN_REVIEW
    assert letter.review_note == ""


def test_an_editor_saving_a_letter_keeps_a_moderator_s_decision_taken_meanwhile(
    review_on: None, organisation: Organisation, organiser: User, moderator: User
) -> None:
    from undersigned.letters.editing import letter_save

    letter = make_letter(organisation, publish=False, slug="raced")
    signed_in(organiser).post("/dashboard/letters/raced/publish/")
    open_in_editor = Letter.objects.get(pk=letter.pk)
    decide(moderator, letter, "approve")

    open_in_editor.title = "A better title"
    letter_save(letter=open_in_editor, targets=list(open_in_editor.targets.all()))

    letter.refresh_from_db()
    assert letter.title == "A better title"
    assert letter.status == Status.OPEN


@pytest.mark.parametrize("url", ["/dashboard/review/", "/dashboard/review/letters/to-hide/"])
def test_only_platform_moderators_see_the_review_pages(
    review_on: None, organisation: Organisation, organiser: User, url: str
) -> None:
    make_letter(organisation, publish=False, slug="to-hide")
    staff = User.objects.create_user("staff@platform.example", is_staff=True)

    assert Client().get(url).status_code == 302
    assert signed_in(organiser).get(url).status_code == 403
    assert signed_in(staff).get(url).status_code == 403


def test_an_organiser_cannot_approve_their_own_letter(
    review_on: None, organisation: Organisation, organiser: User
) -> None:
    letter = make_letter(organisation, publish=False, slug="self-approve")
    signed_in(organiser).post("/dashboard/letters/self-approve/publish/")

    assert decide(organiser, letter, "approve").status_code == 403

    letter.refresh_from_db()
    assert letter.status == Status.IN_REVIEW


# Reports from the public


def test_anyone_reports_a_letter_without_an_account(petition: Letter, moderator: User) -> None:
    form = Client().get(f"/letters/{petition.slug}/report/")
    assert form.status_code == 200
    assert "Personal data" in form.text
    assert "Report this letter" in Client().get(f"/letters/{petition.slug}/").text

    response = report(petition, "hate", "It names a <b>neighbour</b>.")

    assert response.status_code == 200
    assert "Thank you" in response.text
    saved = Report.objects.get()
    assert (saved.letter, saved.reason, saved.note) == (
        petition,
        "hate",
        "It names a <b>neighbour</b>.",
    )
    assert saved.state == ReportState.OPEN
    queue = signed_in(moderator).get("/dashboard/review/").text
    assert petition.slug in queue
    page = signed_in(moderator).get(f"/dashboard/review/letters/{petition.slug}/").text
    assert "It names a &lt;b&gt;neighbour&lt;/b&gt;." in page


@pytest.mark.parametrize("reason", ["", "rude", "x" * 30])
def test_a_report_without_a_known_reason_is_refused(petition: Letter, reason: str) -> None:
    response = report(petition, reason)

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_report_from_another_site_is_refused(petition: Letter) -> None:
    response = Client().post(
        f"/letters/{petition.slug}/report/",
        {"reason": "spam"},
        HTTP_ORIGIN="https://elsewhere.example",
    )

    assert response.status_code == 403
    assert not Report.objects.exists()


def test_reports_are_rate_limited(petition: Letter, settings: Any) -> None:
    settings.REPORT_RATE_LIMIT = "2/h"

    assert report(petition).status_code == 200
    assert report(petition).status_code == 200
    refused = report(petition)

    assert refused.status_code == 429
    assert "Too many reports" in refused.text
    assert Report.objects.count() == 2


def test_a_letter_not_public_cannot_be_reported(organisation: Organisation) -> None:
    draft = make_letter(organisation, publish=False, slug="a-draft")

    assert report(draft).status_code == 404
    assert not Report.objects.exists()


def test_a_moderator_dismisses_the_reports_and_the_letter_stays_up(
    petition: Letter, moderator: User
) -> None:
    report(petition)
    report(petition, "spam")

    decide(moderator, petition, "dismiss")

    assert set(Report.objects.values_list("state", flat=True)) == {ReportState.DISMISSED}
    assert Client().get(f"/letters/{petition.slug}/").status_code == 200
    assert petition.slug not in signed_in(moderator).get("/dashboard/review/").text


# Takedowns and appeals


def test_a_taken_down_letter_shows_the_notice_stops_signing_and_keeps_its_data(
    petition: Letter, organiser: User, moderator: User, tasks: Callable[[], None]
) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    pending = signature_create(
        letter=petition,
        data=SignatureInput(
            name="Late Signer", email="late@example.org", display="full", consent_updates=False
        ),
    )
    report(petition, "personal_data", "It publishes a home address.")

    assert (
        decide(moderator, petition, "take_down", **{"takedown-reason": "personal_data"}).status_code
        == 302
    )

    for url in ("", "signatures/", "count.json", "versions/"):
        page = Client().get(f"/letters/{petition.slug}/{url}")
        assert page.status_code == 410, url
        assert "Ada Lovelace" not in page.text
        assert petition.title not in page.text
    notice = Client().get(f"/letters/{petition.slug}/")
    assert "taken down" in notice.text
    assert "Personal data" in notice.text
    refused = sign(Client(), petition, email="new@example.org")
    assert refused.status_code == 410
    assert "no longer takes signatures" in refused.text
    assert not Signature.objects.filter(name="Suzie Signer").exists()
    confirming = Client().post(f"/confirm/{confirmation_token(pending.pk)}/", HTTP_ORIGIN=ORIGIN)
    assert confirming.status_code == 400
    assert "taken down" in confirming.text
    pending.refresh_from_db()
    assert pending.state == State.PENDING
    # Nothing is deleted.
    petition.refresh_from_db()
    assert petition.status == Status.OPEN
    assert Signature.objects.filter(letter=petition, state=State.COUNTED).count() == 1
    assert Report.objects.get().state == ReportState.ACTED
    dashboard = signed_in(organiser).get("/dashboard/").text
    assert "Taken down" in dashboard
    assert "Personal data" in dashboard
    mail.outbox.clear()
    tasks()
    assert [m.to for m in mail.outbox] == [[organiser.email]]
    assert "took down" in str(mail.outbox[0].body)
    assert "Personal data" in str(mail.outbox[0].body)


def test_a_moderator_must_say_why_a_letter_is_taken_down(petition: Letter, moderator: User) -> None:
    response = decide(moderator, petition, "take_down", **{"takedown-reason": ""})

    assert response.status_code == 400
    petition.refresh_from_db()
    assert petition.taken_down_at is None


def test_organisers_appeal_once_and_an_upheld_appeal_puts_the_letter_back(
    petition: Letter, organiser: User, organisation: Organisation, moderator: User
) -> None:
    decide(moderator, petition, "take_down", **{"takedown-reason": "spam"})
    viewer = member(organisation, Role.VIEWER)
    appeal_url = f"/dashboard/letters/{petition.slug}/appeal/"

    assert signed_in(viewer).post(appeal_url, {"text": "Let it be."}).status_code == 403
    owner = signed_in(organiser)
    assert owner.post(appeal_url, {"text": "It is a real campaign."}).status_code == 302
    owner.post(appeal_url, {"text": "Again."})

    assert Appeal.objects.count() == 1
    assert "waiting for a decision" in owner.get("/dashboard/").text
    page = signed_in(moderator).get(f"/dashboard/review/letters/{petition.slug}/").text
    assert "It is a real campaign." in page

    decide(moderator, petition, "uphold")

    petition.refresh_from_db()
    assert petition.taken_down_at is None
    assert Client().get(f"/letters/{petition.slug}/").status_code == 200
    assert Appeal.objects.get().upheld is True
    assert decide(moderator, petition, "uphold").status_code == 400


def test_a_refused_appeal_leaves_the_letter_down(
    petition: Letter, organiser: User, moderator: User
) -> None:
    decide(moderator, petition, "take_down", **{"takedown-reason": "hate"})
    signed_in(organiser).post(f"/dashboard/letters/{petition.slug}/appeal/", {"text": "Please."})

    decide(moderator, petition, "refuse")

    petition.refresh_from_db()
    assert petition.taken_down_at is not None
    assert "Your appeal was refused" in signed_in(organiser).get("/dashboard/").text
    assert Client().get(f"/letters/{petition.slug}/").status_code == 410


def test_the_operator_grants_and_revokes_the_moderator_role(db: None) -> None:
    User.objects.create_user("rae@platform.example")
    out = StringIO()

    call_command("moderator", "grant", "RAE@platform.example", stdout=out)
    assert User.objects.get(email="rae@platform.example").is_moderator
    call_command("moderator", "list", stdout=out)
    call_command("moderator", "revoke", "rae@platform.example", stdout=out)

    assert not User.objects.get(email="rae@platform.example").is_moderator
    assert "rae@platform.example\n" in out.getvalue()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["moderator.grant", "moderator.revoke"]


def test_the_queue_lists_the_oldest_of_each_kind_and_counts_them_all(
    organisation: Organisation, moderator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from undersigned.pages import review_views

    monkeypatch.setattr(review_views, "QUEUE_SHOWN", 1)
    for slug in ("older-letter", "newer-letter"):
        letter = make_letter(organisation, publish=False, slug=slug)
        Letter.objects.filter(pk=letter.pk).update(status=Status.IN_REVIEW)

    queue = signed_in(moderator).get("/dashboard/review/").text

    assert "New letters in review (2)" in queue
    assert "older-letter" in queue and "newer-letter" not in queue
