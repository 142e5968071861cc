"""The demo data shows each feature with what signing would really have stored."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from undersigned.demo.loading import demo_load
from undersigned.letters.models import Letter
from undersigned.signing.counts import counts_reconcile, letter_count_fresh
from undersigned.signing.models import Level, Signature

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
    assert Letter.objects.count() == 3


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
