"""The daily digest: each member who asked for it gets one email a day of what happened to
their organisation's letters, by the real relay; none on a quiet day, none twice."""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import make_letter, run_tasks
from tests.mail.conftest import Relay, relay, use_relay  # noqa: F401  (the fixture)
from tests.moderation.conftest import member, signed_in
from tests.updates.conftest import signer
from undersigned.accounts.models import User
from undersigned.digests.digest import digest_of
from undersigned.digests.models import DigestDay
from undersigned.digests.tasks import day_window, digests_queue, send_digest
from undersigned.letters.models import Letter, Takedown
from undersigned.moderation.models import Report, ReportState
from undersigned.organisations.memberships import organisation_create
from undersigned.organisations.models import Membership, Organisation, Role
from undersigned.signing.models import CommentState, Signature
from undersigned.updates.models import Milestone

NOW = datetime.combine(timezone.localdate(), time(1, 30), tzinfo=timezone.get_current_timezone())
YESTERDAY = NOW.date() - timedelta(days=1)
NOON = datetime.combine(YESTERDAY, time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def relayed(relay: Relay, settings: Any) -> Relay:  # noqa: F811
    use_relay(settings, relay)
    return relay


def confirmed_at(at: datetime, letter: Letter, email: str, **fields: Any) -> Signature:
    signature = signer(letter, email, **fields)
    Signature.objects.filter(pk=signature.pk).update(confirmed_at=at)
    return signature


def opt_in(user: User, organisation: Organisation) -> None:
    Membership.objects.filter(user=user, organisation=organisation).update(daily_digest=True)


def a_busy_day(petition: Letter) -> None:
    """Three signatures confirmed yesterday, one of them with a comment waiting, a report
    and a goal reached; and around it, what the day's digest must not count."""
    for name in ("ada", "bo", "cy"):
        confirmed_at(NOON, petition, f"{name}@example.org")
    Signature.objects.filter(letter=petition, name="Cy").update(
        comment="Count me in", comment_state=CommentState.WAITING
    )
    confirmed_at(NOON - timedelta(days=1), petition, "dee@example.org")  # the day before
    confirmed_at(NOW, petition, "eve@example.org")  # today
    signer(petition, "fay@example.org", confirm=False)  # never confirmed
    Report.objects.create(letter=petition, reason=Takedown.SPAM, created_at=NOON)
    Report.objects.create(
        letter=petition, reason=Takedown.OTHER, created_at=NOON, state=ReportState.DISMISSED
    )
    Milestone.objects.create(letter=petition, goal=3, next_goal=5, reached_at=NOON)


def test_it_counts_the_days_signatures_comments_reports_and_goals(
    petition: Letter, organisation: Organisation
) -> None:
    quiet = make_letter(organisation, slug="quiet-letter")
    a_busy_day(petition)

    digest = digest_of(organisation, *day_window(YESTERDAY))

    assert digest.is_news and digest.signatures == 3
    [entry] = digest.letters  # the quiet letter has nothing to say
    assert entry.letter == petition and quiet not in [e.letter for e in digest.letters]
    assert (entry.signatures, entry.total, entry.comments_waiting) == (3, 5, 1)
    assert (entry.reports_open, entry.reports_new, entry.milestones) == (1, 1, [3])


def test_it_mails_only_the_members_who_asked_for_it(
    petition: Letter, organisation: Organisation, organiser: User, relayed: Relay, settings: Any
) -> None:
    viewer = member(organisation, Role.VIEWER)
    member(organisation, Role.EDITOR)  # never asked
    opt_in(organiser, organisation)
    opt_in(viewer, organisation)
    a_busy_day(petition)
    run_tasks()
    relayed.deliveries.clear()  # Fay's confirmation email: what follows are the digests

    assert len(digests_queue(NOW)) == 1
    run_tasks()

    assert sorted(d.rcpt_tos[0] for d in relayed.deliveries) == sorted(
        [organiser.email, viewer.email]
    )
    by_address = {d.rcpt_tos[0]: d for d in relayed.deliveries}
    owners = by_address[organiser.email]
    text = owners.part("plain")
    assert "New signatures: 3 (5 in all)" in text
    assert "Comments waiting for review: 1" in text
    assert "Reached its goal of 3 signatures" in text
    assert "Reports waiting for the platform's moderators: 1 (1 new)" in text
    assert f"{settings.BASE_URL}/letters/{petition.slug}/" in text
    assert f"{settings.BASE_URL}/dashboard/letters/{petition.slug}/comments/" in text
    assert "3 new signatures" in str(owners.message["Subject"])
    assert owners.message["Auto-Submitted"] == "auto-generated"
    # A viewer may not moderate: no link to a page that would refuse them.
    assert "/comments/" not in by_address[viewer.email].part("plain")
    for delivery in relayed.deliveries:
        for part in (delivery.part("plain"), delivery.part("html")):
            assert "example.org" not in part  # no signer's address
            assert "Count me in" not in part and "Ada" not in part  # nor comment, nor name
            assert 'href="/' not in part  # every link absolute


def test_a_second_round_the_same_day_sends_nothing(
    petition: Letter, organisation: Organisation, organiser: User, relayed: Relay
) -> None:
    opt_in(organiser, organisation)
    a_busy_day(petition)
    run_tasks()
    relayed.deliveries.clear()
    digests_queue(NOW)
    run_tasks()
    assert len(relayed.deliveries) == 1

    assert digests_queue(NOW + timedelta(hours=5)) == []
    send_digest.enqueue(organisation.pk, YESTERDAY.isoformat())  # a task run twice
    run_tasks()

    assert len(relayed.deliveries) == 1
    assert DigestDay.objects.get().day == YESTERDAY


def test_an_organisation_with_nothing_new_gets_nothing(
    petition: Letter, organisation: Organisation, organiser: User, relayed: Relay
) -> None:
    opt_in(organiser, organisation)
    # A comment still waiting from the day before, and a report from then: known already.
    confirmed_at(NOON - timedelta(days=1), petition, "ada@example.org")
    Signature.objects.update(comment="Count me in", comment_state=CommentState.WAITING)
    Report.objects.create(
        letter=petition, reason=Takedown.SPAM, created_at=NOON - timedelta(days=1)
    )
    # Another organisation, busy, where nobody asked for the digest.
    neighbour = User.objects.create_user("nel@neighbours.example", "a long neighbour password")
    other = organisation_create(name="Busy Neighbours", owner=neighbour)
    confirmed_at(NOON, make_letter(other, slug="theirs"), "bo@example.org")

    assert not digest_of(organisation, *day_window(YESTERDAY)).is_news
    assert [day.organisation for day in digests_queue(NOW)] == [organisation]
    run_tasks()

    assert relayed.deliveries == []


def test_the_toggle_changes_only_the_callers_own_membership(
    organisation: Organisation, organiser: User
) -> None:
    viewer = member(organisation, Role.VIEWER)
    url = f"/dashboard/organisations/{organisation.slug}/digest/"

    def digests() -> dict[str, bool]:
        rows = Membership.objects.filter(organisation=organisation)
        return dict(rows.values_list("user__email", "daily_digest"))

    response = signed_in(viewer).post(url, {"on": "1"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert digests() == {viewer.email: True, organiser.email: False}
    assert signed_in(viewer).post(url, {"on": "1"}).status_code == 302  # pressed twice
    assert digests() == {viewer.email: True, organiser.email: False}

    signed_in(viewer).post(url, {"on": "0"})
    assert digests() == {viewer.email: False, organiser.email: False}


def test_the_toggle_refuses_anyone_outside_the_organisation(
    organisation: Organisation, organiser: User
) -> None:
    outsider = User.objects.create_user("out@elsewhere.example", "a long outsider password")
    organisation_create(name="Elsewhere", owner=outsider)
    url = f"/dashboard/organisations/{organisation.slug}/digest/"

    assert signed_in(outsider).post(url, {"on": "1"}).status_code == 404
    assert signed_in(organiser).get(url).status_code == 405
    anonymous = Client().post(url, {"on": "1"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert not Membership.objects.filter(daily_digest=True).exists()


def test_a_letter_with_count_steps_is_given_only_as_the_public_sees_it(
    organisation: Organisation, organiser: User, relayed: Relay
) -> None:
    """Organisers of a stepped letter see its count in steps, in the digest too: neither
    the day's number nor the exact total, and no digest for a day that moved no step."""
    stepped = make_letter(organisation, slug="stepped", count_step=5)
    opt_in(organiser, organisation)
    for n in range(3):
        confirmed_at(NOON - timedelta(days=1), stepped, f"early{n}@example.org")
    confirmed_at(NOON, stepped, "one@example.org")  # 3 -> 4: still "fewer than 5"

    quiet = digest_of(organisation, *day_window(YESTERDAY))
    assert not quiet.is_news and quiet.signatures == 0

    confirmed_at(NOON, stepped, "two@example.org")  # 3 -> 5: now "5+"
    moved = digest_of(organisation, *day_window(YESTERDAY))
    assert moved.is_news and moved.signatures == 0
    run_tasks()
    relayed.deliveries.clear()
    digests_queue(NOW)
    run_tasks()

    [delivery] = relayed.deliveries
    text = delivery.part("plain")
    assert "The count now shows 5+ (counted in steps of 5)" in text
    assert "New signatures" not in text and "2" not in text.split("The count")[1].split("\n")[0]
    assert str(delivery.message["Subject"]).endswith("news of your letters")


def test_the_round_forgets_days_claimed_long_ago(organisation: Organisation) -> None:
    old = DigestDay.objects.create(organisation=organisation, day=YESTERDAY - timedelta(days=31))
    recent = DigestDay.objects.create(organisation=organisation, day=YESTERDAY - timedelta(days=2))

    digests_queue(NOW)

    assert not DigestDay.objects.filter(pk=old.pk).exists()
    assert DigestDay.objects.filter(pk=recent.pk).exists()
