"""The demo data shows each feature with what signing would really have stored."""

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import run_tasks
from undersigned.deliveries.models import Delivery, DeliveryStatus, Response
from undersigned.demo.loading import DEMO_EMAIL, DEMO_MODERATOR_EMAIL, DEMO_PASSWORD, demo_load
from undersigned.letters.models import PUBLIC_STATUSES, Letter, Status
from undersigned.moderation.models import Report
from undersigned.signing.counts import counts_reconcile, letter_count_fresh
from undersigned.signing.models import Level, Signature
from undersigned.updates.models import Milestone, RecipientStatus, Update, UpdateStatus

PETITION = "northwind-drop-the-camera-contract"
ACADEMICS = "academics-pledge-autonomous-weapons"
WORKERS = "northwind-employees-cancel-border-contract"

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> dict[str, int]:
    return demo_load()


def test_it_loads_three_letters_with_their_counts(demo: dict[str, int]) -> None:
    assert demo == {PETITION: 1284, ACADEMICS: 512, WORKERS: 153}


def test_it_leaves_every_stored_count_proven(demo: dict[str, int]) -> None:
    assert counts_reconcile(repair=False) == []
    tallies = {
        slug: letter_count_fresh(Letter.objects.get(slug=slug).pk)
        for slug in (PETITION, ACADEMICS, WORKERS)
    }
    assert tallies[ACADEMICS].verified == 512
    assert tallies[WORKERS].verified == 153
    assert 0 < tallies[PETITION].verified < 100


def test_it_changes_nothing_when_loaded_again(demo: dict[str, int]) -> None:
    before = Signature.objects.count()
    assert demo_load() == demo
    assert Signature.objects.count() == before
    assert Letter.objects.count() == 4
    assert Report.objects.count() == 2
    assert Update.objects.count() == 3
    assert Delivery.objects.count() == Milestone.objects.count() == Response.objects.count() == 1


def test_it_keeps_no_proven_address(demo: dict[str, int]) -> None:
    verified = Signature.objects.filter(level=Level.VERIFIED)
    assert verified.count() > 665
    assert not verified.exclude(email="").exists()
    assert not Signature.objects.filter(email_key="").exists()


def test_it_signs_the_academic_letter_from_real_institutions(demo: dict[str, int]) -> None:
    signatures = Signature.objects.filter(letter__slug=ACADEMICS)
    institutions = set(signatures.values_list("institution", flat=True))
    assert len(institutions) > 40
    assert {
        "Massachusetts Institute of Technology",
        "Harvard University",
        "Princeton University",
        "New York University",
        "Stanford University",
        "University of Oxford",
    } <= institutions
    assert set(signatures.filter(email_domain="nyu.edu").values_list("institution", flat=True)) == {
        "New York University"
    }
    assert signatures.filter(email_domain="cs.stanford.edu", institution="Stanford University")
    assert not signatures.filter(title="").exists()


def test_it_keeps_names_only_as_shown(demo: dict[str, int]) -> None:
    assert not Signature.objects.filter(display="anonymous").exclude(name="").exists()
    for name in Signature.objects.filter(display="initials").values_list("name", flat=True):
        assert all(len(part) == 2 and part.endswith(".") for part in name.split())


def test_it_hides_the_employees_names_below_the_threshold(demo: dict[str, int]) -> None:
    letter = Letter.objects.get(slug=WORKERS)
    assert (letter.reveal_threshold, letter.count_step) == (200, 50)
    assert letter.ask_department == letter.ask_location == "optional"
    signatures = letter.signatures.all()
    assert set(signatures.values_list("display", flat=True)) == {"initials", "anonymous"}
    assert signatures.exclude(department="").exists()
    assert signatures.exclude(location="").exists()
    assert set(signatures.values_list("institution", flat=True)) == {""}


def test_it_says_what_it_loaded(demo: dict[str, int]) -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert f"demo letter {ACADEMICS}: 512 signatures" in out.getvalue()
    assert Client().get(f"/letters/{ACADEMICS}/").status_code == 200


def test_once_the_worker_ran_the_petitions_page_tells_its_whole_campaign(
    demo: dict[str, int],
) -> None:
    run_tasks()  # as the demo's worker does when it starts: it builds the delivery's PDF
    page = Client().get(f"/letters/{PETITION}/").text
    story = page[page.index("The campaign so far") :]
    chapters = [
        "Published by Open Streets Alliance.",
        "Reached its goal of 1,000 signatures.",
        "Update: <a",  # the milestone's
        "Update: <a",
        "We deliver the letter to Northwind on",
        "Delivered to Dana Whitfield, Chief Executive Officer, Northwind Systems, by hand,",
        "Dana Whitfield, Chief Executive Officer, Northwind Systems answered",
        "Update: <a",
        "Dana Whitfield answered our letter",
    ]
    at = 0
    for chapter in chapters:
        at = story.index(chapter, at) + 1
    assert "with 1,200 signatures" in story
    assert "Northwind will not renew the Harbour Street analytics contract" in story
    assert "84 since delivery" in page
    assert "next goal 2,500" in page
    assert 'id="sign-heading">Add your name' in page  # signing stays open after delivery

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert (delivery.total, delivery.signatures, delivery.since) == (1200, 1200, None)
    download = Client().get(delivery.pdf_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "The letter as delivered (PDF)" in page
    # The worker wrote to nobody but the organiser, about the milestone: no signer.
    assert {address for message in mail.outbox for address in message.to} == {DEMO_EMAIL}
    [to_owner] = mail.outbox
    assert "reached its goal of 1,000 signatures" in str(to_owner.body)


def test_its_dates_read_as_six_weeks(demo: dict[str, int]) -> None:
    letter = Letter.objects.get(slug=PETITION)
    delivery = Delivery.objects.get()
    response = Response.objects.get()
    milestone, news, answered = Update.objects.order_by("sent_at")
    published = _at(letter.published_at)
    assert (timezone.localdate() - timezone.localdate(published)).days == 41
    for each in Letter.objects.filter(status__in=PUBLIC_STATUSES):
        first = each.signatures.earliest("confirmed_at").confirmed_at
        assert _at(each.published_at) < _at(first)
    responded = datetime.datetime.combine(response.responded_on, datetime.time(12))
    moments = [
        published,
        Milestone.objects.get().reached_at,
        _at(milestone.sent_at),
        _at(news.sent_at),
        _at(delivery.delivered_at),
        timezone.make_aware(responded),
        _at(answered.sent_at),
        timezone.now(),
    ]
    assert moments == sorted(moments)
    assert delivery.until == delivery.delivered_at
    assert letter.signatures.filter(confirmed_at__gt=delivery.until).count() == 84
    assert letter.status == Status.OPEN


def _at(moment: datetime.datetime | None) -> datetime.datetime:
    assert moment is not None
    return moment


def test_its_updates_were_sent_to_those_who_asked(demo: dict[str, int]) -> None:
    for update in Update.objects.all():
        assert update.status == UpdateStatus.SENT and update.finished_at is not None
        recipients = update.recipients.all()
        assert recipients.exists()
        assert not recipients.exclude(status=RecipientStatus.SENT).exists()
        signers = Signature.objects.filter(pk__in=recipients.values("signature_id"))
        assert not signers.filter(consent_updates=False).exists()
        assert not signers.filter(confirmed_at__gt=update.sent_at).exists()
    news, answered = Update.objects.filter(kind__in=("news", "response")).order_by("sent_at")
    assert news.recipients.count() < answered.recipients.count()


@pytest.mark.parametrize(
    ("backend", "banner"),
    [
        ("undersigned.mail.backends.OutboxBackend", "emails are not sent; read them in the"),
        (
            "django.core.mail.backends.console.EmailBackend",
            "emails are not sent; they are printed in the log of the demo's processes.",
        ),
        (
            "django.core.mail.backends.smtp.EmailBackend",
            "emails are sent for real, through the mail relay set in EMAIL_URL.",
        ),
    ],
)
def test_its_banner_says_where_mail_goes(settings: Any, backend: str, banner: str) -> None:
    settings.DEMO = True
    settings.EMAIL_BACKEND = backend
    page = Client().get("/").text
    assert f"Demo mode: {banner}" in page.replace("&#x27;", "'")


def test_its_platform_moderator_finds_a_letter_in_review_and_reports(
    demo: dict[str, int],
) -> None:
    client = Client()
    assert client.login(username=DEMO_MODERATOR_EMAIL, password=DEMO_PASSWORD)
    queue = client.get("/dashboard/review/")
    assert queue.status_code == 200
    assert "Riverside Homes: fix the lifts before winter" in queue.text
    assert PETITION in queue.text
    assert Letter.objects.get(slug="riverside-fix-the-lifts").status == Status.IN_REVIEW
    assert Client().get("/letters/riverside-fix-the-lifts/").status_code == 404
