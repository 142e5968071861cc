"""Fraud alerts: a subnet or a domain past the threshold in one hour is told to the
organisation's moderators once, by email through the real relay."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import run_tasks
from tests.mail.conftest import Relay, relay, use_relay  # noqa: F401  (the fixture)
from tests.moderation.conftest import member, signatures_from
from undersigned.accounts.models import User
from undersigned.background import recurring
from undersigned.background.models import RecurringRound
from undersigned.letters.models import Eligibility, Letter
from undersigned.lib.network import subnet_hash
from undersigned.moderation.alerts import alerts_check, alerts_forget, fraud_alerts_schedule
from undersigned.moderation.labels import subnet_label
from undersigned.moderation.models import FraudAlert, Grouping
from undersigned.moderation.trending import hour_of
from undersigned.organisations.models import Organisation, Role


@pytest.fixture
def relayed(relay: Relay, settings: Any) -> Relay:  # noqa: F811
    use_relay(settings, relay)
    return relay


def a_burst(letter: Letter, *, at: Any, burst: int = 50, others: int = 10) -> None:
    """`burst` signatures from one subnet, at five domains, and `others` from elsewhere."""
    for part in range(5):
        addresses = [f"192.0.2.{n}" for n in range(1 + part * 40, 40 + part * 40)]
        signatures_from(letter, addresses, burst // 5, at=at, domain=f"d{part}.example")
    signatures_from(
        letter, [f"198.51.{n}.7" for n in range(others)], others, at=at, domain="other.example"
    )


def test_a_subnet_past_the_threshold_is_emailed_to_moderators_once(
    petition: Letter, organisation: Organisation, organiser: User, relayed: Relay
) -> None:
    moderator = member(organisation, Role.MODERATOR)
    member(organisation, Role.EDITOR)
    member(organisation, Role.VIEWER)
    now = hour_of(timezone.now()) + timedelta(minutes=20)
    a_burst(petition, at=now - timedelta(minutes=5))

    [alert] = [a for a in alerts_check(now) if a.grouping == Grouping.SUBNET]
    assert (alert.key, alert.hour, alert.signatures, alert.letter_signatures) == (
        subnet_hash("192.0.2.1"), hour_of(now), 50, 60,
    )  # fmt: skip
    assert [a for a in alerts_check(now) if a.grouping == Grouping.SUBNET] == []  # once
    run_tasks()
    run_tasks()

    assert sorted(d.rcpt_tos[0] for d in relayed.deliveries) == sorted(
        [organiser.email, moderator.email]
    )  # the owner and the moderator, not the editor or the viewer
    text = relayed.deliveries[0].part("plain")
    assert subnet_label(subnet_hash("192.0.2.1")) in text
    assert "50 of the 60 new signatures" in text
    assert f"/dashboard/letters/{petition.slug}/moderation/" in text
    assert "192.0.2" not in text
    assert "Fraud alert" in str(relayed.deliveries[0].message["Subject"])


def test_a_domain_past_the_threshold_is_alerted_too(petition: Letter) -> None:
    now = timezone.now()
    signatures_from(petition, [f"203.0.{n}.1" for n in range(60)], 55, at=now)
    signatures_from(petition, "198.51.100.1", 5, at=now, domain="other.example")
    [alert] = alerts_check(now)
    assert (alert.grouping, alert.key, alert.signatures) == (Grouping.DOMAIN, "example.org", 55)


def test_a_public_mail_provider_is_no_alert_however_many_use_it(petition: Letter) -> None:
    now = timezone.now()
    signatures_from(petition, [f"203.0.{n}.1" for n in range(60)], 55, at=now, domain="gmail.com")
    signatures_from(petition, "198.51.100.1", 5, at=now, domain="other.example")
    assert alerts_check(now) == []


def test_a_letter_for_proven_addresses_has_no_domain_alerts(petition: Letter) -> None:
    petition.eligibility = Eligibility.DOMAINS
    petition.eligible_domains = "example.org"
    petition.save()
    now = timezone.now()
    signatures_from(petition, [f"203.0.{n}.1" for n in range(60)], 60, at=now)
    assert alerts_check(now) == []


def test_a_burst_late_in_the_last_hour_is_found_in_the_next(petition: Letter) -> None:
    hour = hour_of(timezone.now())
    a_burst(petition, at=hour - timedelta(minutes=2))
    [alert] = alerts_check(hour + timedelta(minutes=1))
    assert alert.hour == hour - timedelta(hours=1)


@pytest.mark.parametrize(
    ("burst", "others"),
    [(49, 10), (50, 250)],  # under the threshold; over it, but a fifth or less of the hour
)
def test_it_raises_no_alert_below_the_threshold_or_the_share(
    petition: Letter, burst: int, others: int
) -> None:
    now = timezone.now()
    signatures_from(petition, "192.0.2.1", burst, at=now, domain="a.example")
    signatures_from(
        petition, [f"198.51.{n % 250}.{n // 250}" for n in range(others)], others, at=now,
        domain="b.example",
    )  # fmt: skip
    assert [a for a in alerts_check(now) if a.grouping == Grouping.SUBNET] == []


def test_the_threshold_and_share_are_settings(petition: Letter, settings: Any) -> None:
    settings.FRAUD_ALERT_THRESHOLD = 5
    settings.FRAUD_ALERT_SHARE = 0.5
    now = timezone.now()
    signatures_from(petition, "192.0.2.1", 6, at=now, domain="a.example")
    signatures_from(petition, "198.51.100.1", 4, at=now, domain="b.example")
    assert {(a.grouping, a.signatures) for a in alerts_check(now)} == {
        (Grouping.SUBNET, 6),
        (Grouping.DOMAIN, 6),
    }


def test_closed_letters_are_not_watched(petition: Letter) -> None:
    now = timezone.now()
    a_burst(petition, at=now)
    Letter.objects.filter(pk=petition.pk).update(status="closed")
    assert alerts_check(now) == []
    assert not FraudAlert.objects.exists()


def test_a_worker_start_starts_the_round_once(db: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(recurring, "_STARTED", {})  # this process's rounds stay as they were
    fraud_alerts_schedule()
    fraud_alerts_schedule()
    assert RecurringRound.objects.filter(task_path__endswith="fraud_alerts_round").count() == 1
    assert list(recurring._STARTED) == ["undersigned.moderation.alerts.fraud_alerts_round"]


def test_alerts_are_forgotten_with_the_network_hashes(petition: Letter, settings: Any) -> None:
    now = timezone.now()
    a_burst(petition, at=now)
    alerts_check(now)
    old = now - timedelta(days=settings.FRAUD_WINDOW_DAYS, hours=1)
    a_burst(petition, at=old)
    alerts_check(old)
    assert FraudAlert.objects.count() == 2

    assert alerts_forget() == 1
    assert list(FraudAlert.objects.values_list("hour", flat=True)) == [hour_of(now)]
