"""How a signatory is shown: a claim that names the verified institution is said once."""

import pytest
from django.test import Client

from tests.conftest import signed_and_confirmed
from undersigned.letters.models import Letter
from undersigned.signing.presentation import names_institution, signatory


@pytest.mark.parametrize(
    ("claim", "institution", "domain"),
    [
        ("MIT", "Massachusetts Institute of Technology", "mit.edu"),
        ("M.I.T.", "Massachusetts Institute of Technology", "csail.mit.edu"),
        ("Stanford", "Stanford University", "stanford.edu"),
        ("stanford university", "Stanford University", "cs.stanford.edu"),
        ("UCL", "University College London", "ucl.ac.uk"),
        ("Oxford", "University of Oxford", "ox.ac.uk"),
        ("ETH Zurich", "ETH Zürich", "ethz.ch"),
        ("NYU", "New York University", "nyu.edu"),
    ],
)
def test_it_recognises_a_claim_naming_the_verified_institution(
    claim: str, institution: str, domain: str
) -> None:
    assert names_institution(claim, institution, domain)


@pytest.mark.parametrize(
    ("claim", "institution", "domain"),
    [
        ("Harvard", "Massachusetts Institute of Technology", "mit.edu"),
        ("Harvard University", "Stanford University", "stanford.edu"),
        ("University", "Stanford University", "stanford.edu"),
        ("Institute of Technology", "Massachusetts Institute of Technology", "mit.edu"),
        ("Broad Institute", "Massachusetts Institute of Technology", "mit.edu"),
    ],
)
def test_it_keeps_a_claim_of_another_institution_as_claimed(
    claim: str, institution: str, domain: str
) -> None:
    assert not names_institution(claim, institution, domain)


def test_it_shows_a_professor_who_typed_mit_once_and_verified(academic_letter: Letter) -> None:
    signature = signed_and_confirmed(
        academic_letter,
        "grace@mit.edu",
        "Grace Hopper",
        affiliation="MIT",
        title="Professor of Computer Science",
    )

    shown = signatory(signature)

    assert (shown.verification, shown.claimed_affiliation) == (
        "Verified · Massachusetts Institute of Technology",
        "",
    )
    page = Client().get(f"/letters/{academic_letter.slug}/signatures/").text
    assert (
        "Grace Hopper · Verified · Massachusetts Institute of Technology · "
        "Professor of Computer Science</span>"
    ) in page
    assert "MIT (claimed)" not in page
