"""No entry, proof, head or receipt, and no row of the log's tables, holds a name, an
address, a domain or an institution of a hidden signer."""

import pytest
from django.test import Client

from tests.conftest import sign_and_confirm
from tests.signing.conftest import cells_containing
from tests.transparency.conftest import KEYS_PATH, fold, log_path
from undersigned.letters.models import Letter
from undersigned.signing.holds import signature_invalidate
from undersigned.signing.signatures import signature_withdraw
from undersigned.transparency.models import LogState
from undersigned.transparency.receipts import receipt_path

NAME_PARTS = ("Wilhelmina", "Quatermass", "Oyelaran")
SIGNERS = {
    "public signer": (
        "petition",
        "mina.q7731@zq7731-private.example",
        ("mina.q7731", "zq7731-private", "zq7731"),
        {"country": "Atlantis", "comment": "Quatermass was here"},
    ),
    "professor": (
        "academic_letter",
        "mina.q7731@cs.stanford.edu",
        ("mina.q7731", "stanford", "Stanford University"),
        {"affiliation": "Stanford University", "title": "Professor of Robotics"},
    ),
}


def everything_published(letter: Letter, signature_ids: list[int]) -> dict[str, bytes]:
    size = LogState.objects.get(letter=letter).size
    paths = [KEYS_PATH, log_path(letter, "head.json"), log_path(letter, "heads.json")]
    paths.append(log_path(letter, f"entries.json?start=0&end={size}"))
    for index in range(size):
        for tree in range(index + 1, size + 1):
            paths.append(log_path(letter, f"proof/inclusion.json?index={index}&size={tree}"))
    for first in range(size + 1):
        for second in range(first, size + 1):
            paths.append(log_path(letter, f"proof/consistency.json?first={first}&second={second}"))
    for signature_id in signature_ids:
        paths += [receipt_path(signature_id), f"{receipt_path(signature_id)}receipt.json"]
    answers = {}
    for path in paths:
        response = Client().get(path)
        assert response.status_code == 200, path
        answers[path] = response.content
    return answers


@pytest.mark.parametrize(
    ("letter_fixture", "email", "markers", "fields"), SIGNERS.values(), ids=SIGNERS
)
def test_it_never_shows_a_hidden_signer_in_the_log(
    request: pytest.FixtureRequest,
    db: None,
    letter_fixture: str,
    email: str,
    markers: tuple[str, ...],
    fields: dict[str, str],
) -> None:
    letter: Letter = request.getfixturevalue(letter_fixture)
    hidden, _page = sign_and_confirm(
        letter, email, name=" ".join(NAME_PARTS), display="anonymous", **fields
    )
    other, _page = sign_and_confirm(
        letter, email.replace("mina", "noor"), name="Noor Q", display="initials", **fields
    )
    fold()
    signature_withdraw(signature_id=other.pk)
    signature_invalidate(signature_id=hidden.pk)
    fold()

    published = everything_published(letter, [hidden.pk, other.pk])
    assert cells_containing(markers[-1])  # kept elsewhere, so the search can find it
    for marker in (*NAME_PARTS, *markers, "noor"):
        showing = [
            path for path, body in published.items() if marker.casefold().encode() in body.lower()
        ]
        assert showing == [], marker
        in_log = [cell for cell in cells_containing(marker) if cell.startswith("transparency_")]
        assert in_log == [], marker
