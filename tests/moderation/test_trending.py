"""Trending subnets and domains: new signatures per hour, by subnet label and domain,
against the letter's usual share."""

from datetime import timedelta

from django.utils import timezone

from tests.moderation.conftest import member, signatures_from, signed_in
from undersigned.letters.models import Letter
from undersigned.lib.network import subnet_hash
from undersigned.moderation.labels import subnet_label
from undersigned.moderation.trending import hour_of, trending
from undersigned.organisations.models import Organisation, Role


def test_it_counts_each_subnet_and_domain_hour_by_hour(petition: Letter) -> None:
    now = hour_of(timezone.now()) + timedelta(minutes=30)
    campus = ["192.0.2.10", "192.0.2.77"]  # one /24
    signatures_from(petition, campus, 3, at=now - timedelta(hours=2))
    signatures_from(petition, campus, 5, at=now - timedelta(hours=1), domain="burst.example")
    signatures_from(petition, "198.51.100.4", 2, at=now)
    signatures_from(petition, "198.51.100.4", 1, at=now - timedelta(hours=30))  # outside

    seen = trending(petition, hours=24, now=now)

    assert seen.total == 10
    assert seen.letter_hours[-3:] == (3, 5, 2)
    assert seen.hours[-1] == hour_of(now)
    [top, other] = seen.subnets
    assert (top.key, top.total, top.hours[-3:]) == (subnet_hash("192.0.2.10"), 8, (3, 5, 0))
    assert (other.key, other.total, other.hours[-3:]) == (subnet_hash("198.51.100.4"), 2, (0, 0, 2))
    # A tie is listed by name.
    assert [(d.key, d.total) for d in seen.domains] == [("burst.example", 5), ("example.org", 5)]
    burst = seen.domains[0]
    assert burst.hours[-2] == 5 and burst.share == 0.5


def test_it_says_how_far_a_group_is_above_its_usual_share(petition: Letter) -> None:
    now = timezone.now()
    # In the week before: 1 of 10 from the campus, 9 from elsewhere.
    signatures_from(petition, "192.0.2.1", 1, at=now - timedelta(days=3))
    signatures_from(petition, [f"203.0.{n}.1" for n in range(9)], 9, at=now - timedelta(days=3))
    # Now: 6 of 10 from the campus, and 4 from a network never seen before.
    signatures_from(petition, "192.0.2.200", 6, at=now)
    signatures_from(petition, "198.51.100.9", 4, at=now)

    campus, fresh = trending(petition, now=now).subnets

    assert (campus.share, campus.usual_share) == (0.6, 0.1)
    assert round(campus.above_usual or 0, 6) == 6.0
    assert fresh.usual_share == 0.0 and fresh.above_usual is None


def test_a_new_letter_has_no_usual_share(petition: Letter) -> None:
    now = timezone.now()
    signatures_from(petition, "192.0.2.1", 2, at=now)
    [trend] = trending(petition, now=now).subnets
    assert trend.usual_share is None and trend.above_usual is None


def test_a_subnet_label_is_short_stable_and_cut_from_its_keyed_hash() -> None:
    label = subnet_label(subnet_hash("192.0.2.10"))
    assert label == subnet_label(subnet_hash("192.0.2.99"))  # same /24
    assert label != subnet_label(subnet_hash("192.0.3.10"))
    assert len(label) == 14 and label.count("-") == 2
    assert label.replace("-", "") == subnet_hash("192.0.2.10")[:12]
    assert "192" not in label


def test_the_page_shows_labels_and_counts_and_never_an_address(
    petition: Letter, organisation: Organisation
) -> None:
    now = timezone.now()
    signatures_from(petition, "192.0.2.10", 7, at=now, domain="burst.example")
    editor = signed_in(member(organisation, Role.MODERATOR))

    page = editor.get(f"/dashboard/letters/{petition.slug}/moderation/")

    assert page.status_code == 200
    label = subnet_label(subnet_hash("192.0.2.10"))
    assert label in page.text and "burst.example" in page.text
    assert "7 new signatures" in page.text
    assert "192.0.2" not in page.text
    assert subnet_hash("192.0.2.10") not in page.text  # only the label, never the whole hash
    assert f"?subnet={label}&amp;since=" in page.text
    wider = editor.get(f"/dashboard/letters/{petition.slug}/moderation/?hours=168")
    assert wider.status_code == 200 and "7 new signatures" in wider.text
