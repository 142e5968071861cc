"""A letter's weight, as everyone sees it: counts by verification level, institutions,
names hidden until the reveal threshold, counts in steps, and withdrawals taken off."""

import csv
import html
import io
import re
from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_letter, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.letters.models import Eligibility, FieldRule, Letter
from undersigned.organisations.models import Organisation
from undersigned.signing.models import Signature
from undersigned.signing.public_count import public_count
from undersigned.signing.signatures import (
    signature_withdraw,
)

BLOCK = re.compile(r"</?(?:p|li|ul|h\d|div|section|nav|header|footer|main|aside|br|q)\b[^>]*>")


def text(body: str) -> str:
    """A page's words as a reader sees them, without the markup between them."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", BLOCK.sub(" ", body))).split())


def page_text(path: str) -> str:
    response = Client().get(path)
    assert response.status_code == 200, path
    return text(response.content.decode())


def api(letter: Letter) -> dict[str, Any]:
    return Client().get(f"/api/v1/petitions/{letter.slug}/").json()


def count_api(letter: Letter) -> dict[str, Any]:
    return Client().get(f"/api/v1/petitions/{letter.slug}/count/").json()


def export_rows(letter: Letter, organiser: User) -> list[dict[str, str]]:
    client = Client()
    client.force_login(organiser)
    response = client.get(f"/dashboard/letters/{letter.slug}/signatures.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def professors(academic_letter: Letter) -> Letter:
    """Three at Stanford (one through a department's subdomain), one at MIT who also
    claims Harvard, and one at NYU, whose domain belongs to two institutions."""
    signed_and_confirmed(academic_letter, "ada@stanford.edu", "Ada Lovelace", title="Professor")
    signed_and_confirmed(academic_letter, "alan@cs.stanford.edu", "Alan Turing", title="Lecturer")
    signed_and_confirmed(academic_letter, "grace@stanford.edu", "Grace Hopper", display="initials")
    signed_and_confirmed(
        academic_letter,
        "emmy@mit.edu",
        "Emmy Noether",
        title="Professor",
        affiliation="Harvard University",
    )
    signed_and_confirmed(
        academic_letter, "kurt@nyu.edu", "Kurt Gödel", institution="New York University"
    )
    return academic_letter


def test_it_shows_the_count_by_verification_level_and_institutions(professors: Letter) -> None:
    page = page_text(f"/letters/{professors.slug}/")

    assert "5 signatures · 5 verified academics · 3 institutions" in page
    assert (
        "Including signatories from Stanford University, Massachusetts Institute of Technology "
        "and New York University." in page
    )


def test_it_counts_verified_signers_apart_on_a_letter_anyone_may_sign(petition: Letter) -> None:
    signed_and_confirmed(petition, "suzie@example.org", "Suzie Signer")
    assert "1 signature Goal" in page_text(f"/letters/{petition.slug}/")

    signed_and_confirmed(petition, "ada@stanford.edu", "Ada Lovelace")

    assert "2 signatures · 1 verified academic · 1 institution" in page_text(
        f"/letters/{petition.slug}/"
    )


def test_it_says_verified_employees_on_a_letter_for_listed_domains(
    workers_letter: Letter,
) -> None:
    signed_and_confirmed(
        workers_letter,
        "wren@northwind.example",
        "Wren Holloway",
        display="anonymous",
        department="Engineering",
        location="Seattle",
    )
    signed_and_confirmed(
        workers_letter, "sam@eng.northwind.example", "Sam Okafor", display="initials"
    )

    page = page_text(f"/letters/{workers_letter.slug}/")

    assert "2 signatures · 2 verified employees" in page
    assert "institution" not in page.partition("Signatories")[0].split("·")[-1]
    assert "Anonymous · Verified employee · Engineering · Seattle" in page
    assert "S. O. · Verified employee" in page
    assert "Wren" not in page and "Holloway" not in page


def test_it_shows_each_signature_as_its_signer_chose(professors: Letter) -> None:
    page = page_text(f"/letters/{professors.slug}/signatures/")

    assert "Ada Lovelace · Verified · Stanford University · Professor" in page
    assert "Alan Turing · Verified · Stanford University · Lecturer" in page
    assert "G. H. · Verified · Stanford University" in page
    assert "Grace" not in page
    # A claim the address did not prove is marked as claimed, never as verified.
    assert (
        "Emmy Noether · Verified · Massachusetts Institute of Technology · Professor · "
        "Harvard University (claimed)" in page
    )
    assert "Kurt Gödel · Verified · New York University" in page


def test_it_groups_signatories_by_institution_with_counts(professors: Letter) -> None:
    signed_and_confirmed(professors, "anon@stanford.edu", "Hidden Person", display="anonymous")

    body = Client().get(f"/letters/{professors.slug}/signatures/?by=institution").content
    page = text(body.decode())

    headings = re.findall(r'<h2 id="group-\d+">(.*?)</h2>', body.decode())
    assert [text(heading) for heading in headings] == [
        "Massachusetts Institute of Technology 1 signature",
        "New York University 1 signature",
        "Stanford University 4 signatures",
    ]
    stanford = page.partition("Stanford University 4 signatures")[2].partition("Institutions")[0]
    assert stanford.count("Verified · Stanford University") == 4
    assert "Anonymous · Verified · Stanford University" in stanford
    assert "Hidden" not in page


def test_it_lists_institutions_most_first_linking_to_their_signatories(
    professors: Letter,
) -> None:
    body = Client().get(f"/letters/{professors.slug}/signatures/").content.decode()

    institutions = text(body.partition('id="institutions-heading">')[2])
    assert institutions.startswith(
        "Institutions Verified from signers' addresses. Choose one to see its signatories. "
        "Stanford University 3 signatures Massachusetts Institute of Technology 1 signature "
        "New York University 1 signature"
    )
    assert 'href="?institution=Stanford%20University"' in body


def test_it_filters_signatories_by_institution(professors: Letter) -> None:
    base = f"/letters/{professors.slug}/signatures/"

    stanford = page_text(f"{base}?institution=Stanford%20University")
    harvard = page_text(f"{base}?institution=Harvard%20University")

    assert "3 signatures from Stanford University" in stanford
    listed = stanford.partition("All institutions")[2].partition("Institutions Verified")[0]
    for name in ("Ada Lovelace", "Alan Turing", "G. H."):
        assert f"{name} · Verified · Stanford University" in listed
    assert "Emmy" not in listed and "Kurt" not in listed
    # Claiming an institution does not put anyone among its verified signatories.
    assert "No signatures from Harvard University." in harvard
    assert "Emmy" not in harvard.partition("All institutions")[2].partition("Institutions")[0]


def test_it_keeps_the_view_when_paging(professors: Letter, monkeypatch: Any) -> None:
    monkeypatch.setattr("undersigned.pages.views.SIGNATURES_PER_PAGE", 2)

    body = Client().get(f"/letters/{professors.slug}/signatures/?by=institution").content

    assert b'href="?by=institution&amp;page=2" rel="next">Next' in body


@pytest.fixture
def guarded(organisation: Organisation) -> Letter:
    """A workers' letter whose names show only once 3 verified employees signed."""
    return make_letter(
        organisation,
        slug="guarded",
        eligibility=Eligibility.DOMAINS,
        eligible_domains="stanford.edu",
        reveal_threshold=3,
        ask_title=FieldRule.OPTIONAL,
        ask_comment=FieldRule.OPTIONAL,
    )


def everything_public(letter: Letter, organiser: User) -> str:
    """Every page, every API answer and the organiser's export, as one text."""
    client = Client()
    base = f"/letters/{letter.slug}"
    paths = [
        f"{base}/",
        f"{base}/signatures/",
        f"{base}/signatures/?by=institution",
        f"{base}/signatures/?institution=Stanford%20University",
        f"{base}/count.json",
        "/api/v1/petitions/",
        f"/api/v1/petitions/{letter.slug}/",
        f"/api/v1/petitions/{letter.slug}/count/",
        f"/api/v1/petitions/{letter.slug}/signatures/",
    ]
    bodies = [client.get(path).content.decode() for path in paths]
    rows = export_rows(letter, organiser)
    return "\n".join(bodies) + "\n" + repr(rows)


def test_it_shows_no_signatory_until_the_reveal_threshold_is_reached(
    guarded: Letter, organiser: User
) -> None:
    signed_and_confirmed(
        guarded, "ada@stanford.edu", "Ada Lovelace", title="Professor", comment="Drop it."
    )
    signed_and_confirmed(guarded, "alan@stanford.edu", "Alan Turing", display="initials")

    everywhere = everything_public(guarded, organiser)
    page = page_text(f"/letters/{guarded.slug}/")
    signatures = page_text(f"/letters/{guarded.slug}/signatures/?by=institution")

    for shown in ("Ada", "Lovelace", "A. T.", "Professor", "Drop it."):
        assert shown not in everywhere, shown
    assert "2 signatures · 2 verified employees" in page
    assert "Names are shown once 3 verified people have signed. So far: 2 verified people." in page
    assert "Names are shown once 3 verified people have signed." in signatures
    assert "Stanford University" not in signatures.partition("So far")[2]
    assert export_rows(guarded, organiser) == []
    data = api(guarded)
    assert (data["names_revealed"], data["reveal_threshold"]) == (False, 3)
    assert count_api(guarded)["institutions"] == []


def test_it_shows_signatories_once_the_threshold_is_reached(
    guarded: Letter, organiser: User
) -> None:
    signed_and_confirmed(
        guarded, "ada@stanford.edu", "Ada Lovelace", title="Professor", comment="Drop it."
    )
    signed_and_confirmed(guarded, "alan@stanford.edu", "Alan Turing", display="initials")
    signed_and_confirmed(guarded, "grace@stanford.edu", "Grace Hopper")

    page = page_text(f"/letters/{guarded.slug}/")

    assert "Names are shown" not in page
    assert "Ada Lovelace · Verified · Stanford University · Professor" in page
    assert "A. T." in page_text(f"/letters/{guarded.slug}/signatures/")
    assert [row["Name"] for row in export_rows(guarded, organiser)] == [
        "Ada Lovelace",
        "A. T.",
        "Grace Hopper",
    ]
    data = api(guarded)
    assert data["names_revealed"] is True
    # Three are a group too small to give its number of.
    assert count_api(guarded)["institutions"] == [
        {"group": "Stanford University", "signatures": None, "shown": "fewer than 5"}
    ]


def test_it_hides_names_again_when_a_withdrawal_takes_the_letter_below(
    guarded: Letter, organiser: User
) -> None:
    signed_and_confirmed(guarded, "ada@stanford.edu", "Ada Lovelace")
    signed_and_confirmed(guarded, "alan@stanford.edu", "Alan Turing")
    grace = signed_and_confirmed(guarded, "grace@stanford.edu", "Grace Hopper")
    assert public_count(guarded).names_revealed

    signature_withdraw(signature_id=grace.pk)

    assert "Ada" not in everything_public(guarded, organiser)
    assert "So far: 2 verified people." in page_text(f"/letters/{guarded.slug}/")


def test_it_decides_on_the_stored_tally_however_long_counts_are_cached(
    guarded: Letter, settings: Any
) -> None:
    settings.COUNT_CACHE_SECONDS = 300
    signed_and_confirmed(guarded, "ada@stanford.edu", "Ada Lovelace")
    signed_and_confirmed(guarded, "alan@stanford.edu", "Alan Turing")
    assert "Ada" not in page_text(f"/letters/{guarded.slug}/")  # caches a tally of 2

    signed_and_confirmed(guarded, "grace@stanford.edu", "Grace Hopper")

    assert "Ada Lovelace" in page_text(f"/letters/{guarded.slug}/")


@pytest.fixture
def stepped(workers_letter: Letter) -> Letter:
    """A small workforce's letter, counted in steps of 5, with a goal of 20."""
    workers_letter.count_step = 5
    workers_letter.goal = 20
    workers_letter.save()
    return workers_letter


def test_it_shows_counts_in_steps(stepped: Letter) -> None:
    for n in range(3):
        signed_and_confirmed(
            stepped, f"worker{n}@northwind.example", f"Worker Number{n}", display="initials"
        )
    assert "fewer than 5 signatures · fewer than 5 verified employees" in page_text(
        f"/letters/{stepped.slug}/"
    )

    for n in range(3, 7):
        signed_and_confirmed(
            stepped, f"worker{n}@northwind.example", f"Worker Number{n}", display="initials"
        )

    body = Client().get(f"/letters/{stepped.slug}/").content.decode()
    assert "5+ signatures · 5+ verified employees" in text(body)
    assert 'value="5"' in body.partition('<progress class="goal"')[2].partition(">")[0]
    assert "7" not in text(body).partition("signatures ·")[0]
    count = Client().get(f"/letters/{stepped.slug}/count.json").json()
    assert count == {
        "total_signatures": 5,
        "verified": 5,
        "display": "5+",
        "label": "signatures",
        "goal": 20,
    }
    assert "7" not in body.partition("data-count-url")[2].partition(">")[0]  # not to scripts
    data = api(stepped)
    assert (data["total_signatures"], data["verified_signatures"], data["count_step"]) == (5, 5, 5)
    listing = Client().get("/api/v1/petitions/").json()["_embedded"]["osdi:petitions"][0]
    assert listing["total_signatures"] == 5
    assert "5+ signatures" in page_text("/")


def test_it_lists_a_stepped_letters_signatories_by_name_only(stepped: Letter) -> None:
    for email, name in [
        ("zoe@northwind.example", "Zoe Zimmer"),
        ("abe@northwind.example", "Abe Adler"),
        ("mo@northwind.example", "Mo Moss"),
    ]:
        signed_and_confirmed(stepped, email, name, display="initials")

    page = page_text(f"/letters/{stepped.slug}/")
    signatures = page_text(f"/letters/{stepped.slug}/signatures/")

    # Newest first would tie the newest entry to the newest signer.
    assert "Recent signatures" not in page
    assert "Z. Z." not in page and "See who signed, listed by name." in page
    assert re.findall(r"\b([A-Z]\. [A-Z]\.) · Verified employee", signatures) == [
        "A. A.",
        "M. M.",
        "Z. Z.",
    ]
    assert "By name" in signatures and "Newest first" not in signatures
    # No dates beside the signatories; the chart below them says when, in steps only
    # (tests/pages/test_letter_numbers.py).
    listing = signatures.partition("Signatures over time and place")[0]
    assert not re.search(r"\b20\d\d\b", listing)


def test_it_takes_a_withdrawn_signature_off_everything(professors: Letter, organiser: User) -> None:
    emmy = Signature.objects.get(letter=professors, name="Emmy Noether")
    before = api(professors)

    signature_withdraw(signature_id=emmy.pk)

    everywhere = everything_public(professors, organiser)
    assert "Emmy" not in everywhere and "Noether" not in everywhere
    assert "Massachusetts Institute of Technology" not in everywhere
    page = page_text(f"/letters/{professors.slug}/")
    assert "4 signatures · 4 verified academics · 2 institutions" in page
    after = api(professors)
    assert (before["total_signatures"], after["total_signatures"]) == (5, 4)
    assert (before["verified_signatures"], after["verified_signatures"]) == (5, 4)
    assert {row["Name"] for row in export_rows(professors, organiser)} == {
        "Ada Lovelace",
        "Alan Turing",
        "G. H.",
        "Kurt Gödel",
    }
