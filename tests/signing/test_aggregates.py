"""A letter's signatures added up: over time, by country and postal region, by level and
referrer, from submitted to counted; and the one rule of how small a group may show."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Eligibility, Letter, Status
from undersigned.organisations.models import Organisation
from undersigned.signing.aggregates import (
    NOT_GIVEN,
    OTHER,
    Figure,
    Unit,
    conversion,
    counted_by_country,
    counted_by_level,
    counted_by_postal_region,
    counted_by_source,
    counted_over_time,
    figure,
    postal_region,
)
from undersigned.signing.holds import signature_hold
from undersigned.signing.models import Signature, State
from undersigned.signing.presentation import Audience
from undersigned.signing.signatures import SignatureInput, signature_create, signature_withdraw

MORNING = datetime(2026, 11, 10, 9, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _read_fresh(settings: Any) -> None:
    settings.AGGREGATE_CACHE_SECONDS = 0
    settings.AGGREGATE_MIN_GROUP = 5


@pytest.fixture
def letter(organisation: Organisation) -> Letter:
    return make_letter(organisation, slug="numbers")


def signed(letter: Letter, count: int, *, at: datetime = MORNING, **details: str) -> list[int]:
    """`count` counted signatures, confirmed at `at`."""
    start = Signature.objects.count()
    ids = [
        signed_and_confirmed(letter, f"signer{start + index}@example.org", **details).pk
        for index in range(count)
    ]
    Signature.objects.filter(pk__in=ids).update(confirmed_at=at)
    return ids


def closed(letter: Letter) -> Letter:
    Letter.objects.filter(pk=letter.pk).update(status=Status.CLOSED)
    letter.refresh_from_db()
    return letter


def pending(letter: Letter, email: str) -> Signature:
    data = SignatureInput(name="Pat", email=email, display="full", consent_updates=False)
    return signature_create(letter=letter, data=data)


def test_it_counts_signatures_per_hour_while_a_letter_is_young(letter: Letter) -> None:
    signed(letter, 3, at=MORNING)
    signed(letter, 2, at=MORNING + timedelta(hours=2, minutes=40))

    timeline = counted_over_time(closed(letter))

    assert timeline.unit == Unit.HOUR
    assert timeline.bars == (
        (datetime(2026, 11, 10, 9, tzinfo=UTC), 3),
        (datetime(2026, 11, 10, 10, tzinfo=UTC), 0),
        (datetime(2026, 11, 10, 11, tzinfo=UTC), 2),
    )


def test_it_counts_per_day_after_the_first_days(letter: Letter) -> None:
    signed(letter, 1, at=MORNING)
    signed(letter, 2, at=MORNING + timedelta(days=4))

    days = counted_over_time(closed(letter))

    assert days.unit == Unit.DAY
    assert [n for _day, n in days.bars] == [1, 0, 0, 0, 2]


def test_it_counts_per_week_after_half_a_year(letter: Letter) -> None:
    signed(letter, 1, at=MORNING)
    signed(letter, 3, at=MORNING + timedelta(days=200))

    weeks = counted_over_time(closed(letter))

    assert weeks.unit == Unit.WEEK
    assert weeks.bars[0] == (datetime(2026, 11, 9, tzinfo=UTC), 1)  # its Monday
    assert weeks.bars[-1][1] == 3
    assert sum(n for _week, n in weeks.bars) == 4


def test_an_open_letters_chart_runs_to_now(letter: Letter) -> None:
    signed(letter, 1, at=timezone.now() - timedelta(hours=5))

    timeline = counted_over_time(letter)

    assert len(timeline.bars) == 6
    assert [n for _hour, n in timeline.bars] == [1, 0, 0, 0, 0, 0]


def test_only_counted_signatures_are_added_up(letter: Letter) -> None:
    [held, *_others] = signed(letter, 3, country="France")
    signature_hold(signature_id=held)
    pending(letter, "unconfirmed@example.org")

    assert counted_by_country(letter) == (("FR", 2),)
    assert sum(n for _hour, n in counted_over_time(letter).bars) == 2


def test_countries_typed_any_way_count_as_one_and_the_rest_as_other(letter: Letter) -> None:
    for typed in ("France", "france ", "FR", "Francia", "République française"):
        signed(letter, 1, country=typed)
    signed(letter, 2, country="Deutschland")
    signed(letter, 1, country="Narnia")
    signed(letter, 1, country="")

    assert dict(counted_by_country(letter)) == {"FR": 5, "DE": 2, NOT_GIVEN: 1, OTHER: 1}
    assert counted_by_country(letter)[0] == ("FR", 5)


def test_postal_codes_are_grouped_by_their_first_two_characters(letter: Letter) -> None:
    signed(letter, 2, postal_code="75011")
    signed(letter, 1, postal_code="75 002")
    signed(letter, 1, postal_code="sw1a 1aa")
    signed(letter, 1, postal_code="")

    assert dict(counted_by_postal_region(letter)) == {"75": 3, "SW": 1, NOT_GIVEN: 1}
    assert postal_region("-- ") == NOT_GIVEN


def test_it_counts_by_verification_level_and_referrer(organisation: Organisation) -> None:
    letter = make_letter(
        organisation,
        slug="workers",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="northwind.example",
        allow_full_name=False,
    )
    for index in range(3):
        signed_and_confirmed(letter, f"worker{index}@northwind.example", display="initials")
    Signature.objects.filter(letter=letter).update(source="newsletter")

    assert counted_by_level(letter) == (("confirmed", 0), ("verified", 3), ("paper", 0))
    assert counted_by_source(letter) == (("newsletter", 3),)


def test_the_way_from_submitted_to_counted(letter: Letter) -> None:
    signed(letter, 3)
    [held] = signed(letter, 1)
    signature_hold(signature_id=held)
    withdrawn_after = signed(letter, 1)[0]
    signature_withdraw(signature_id=withdrawn_after)
    waiting = pending(letter, "waiting@example.org")
    expired = pending(letter, "expired@example.org")
    Signature.objects.filter(pk=expired.pk).update(created_at=timezone.now() - timedelta(days=31))
    signature_withdraw(signature_id=pending(letter, "changed-mind@example.org").pk)

    way = conversion(letter)

    assert (way.counted, way.held, way.invalidated) == (3, 1, 0)
    assert (way.pending, way.expired) == (1, 1)
    assert (way.withdrawn_confirmed, way.withdrawn_unconfirmed) == (1, 1)
    assert way.confirmed == 5
    assert way.submitted == 8
    assert way.confirmed_share == 62
    assert Signature.objects.get(pk=waiting.pk).state == State.PENDING


def test_a_group_smaller_than_the_minimum_is_fewer_than_it(letter: Letter) -> None:
    assert figure(letter, 4) == Figure(None, "fewer than 5")
    assert figure(letter, 1) == Figure(None, "fewer than 5")
    assert figure(letter, 5) == Figure(5, "5")
    assert figure(letter, 1234) == Figure(1234, "1,234")
    assert figure(letter, 0) == Figure(0, "0")


def test_the_minimum_is_a_setting(letter: Letter, settings: Any) -> None:
    settings.AGGREGATE_MIN_GROUP = 10

    assert figure(letter, 9).text == "fewer than 10"
    assert figure(letter, 10).text == "10"


def test_a_stepped_letters_groups_are_stepped_as_its_count_is(organisation: Organisation) -> None:
    letter = make_letter(organisation, slug="stepped", count_step=10)

    assert figure(letter, 23) == Figure(20, "20+")
    assert figure(letter, 7) == Figure(None, "fewer than 10")
    # Even an empty hour: "nothing" and "one" must look alike, or a new signature shows.
    assert figure(letter, 0) == Figure(None, "fewer than 10")
    assert figure(letter, 23, Audience.ORGANISERS) == Figure(20, "20+")


def test_organisers_see_small_groups_only_on_a_letter_anyone_may_sign(
    letter: Letter, workers_letter: Letter
) -> None:
    assert figure(letter, 4, Audience.ORGANISERS) == Figure(4, "4")
    assert figure(letter, 1, Audience.ORGANISERS) == Figure(1, "1")
    # A workers' letter promised its signers that organisers see what the public sees.
    assert figure(workers_letter, 4, Audience.ORGANISERS) == Figure(None, "fewer than 5")


def test_breakdowns_are_read_once_in_the_cache_time(letter: Letter, settings: Any) -> None:
    settings.AGGREGATE_CACHE_SECONDS = 60
    signed(letter, 2, country="France")
    assert counted_by_country(letter) == (("FR", 2),)

    signed(letter, 1, country="France")

    assert counted_by_country(letter) == (("FR", 2),)
