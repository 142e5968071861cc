"""Lists page by cursor: walked by `_links.next.href`, every entry comes exactly once and
in order, whatever the page size, and a signature added meanwhile shifts nothing; a
cursor made up, cut short or taken from another list is a 400 that says so, never a 500;
and a public cursor tells no more of a signer than the list does."""

import base64
import json
import zlib
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.api.conftest import get, walk
from tests.conftest import make_letter, signed_and_confirmed
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation

SIGNERS = 7
REFUSED = "This cursor is not one this list gave."


@pytest.fixture
def signed(petition: Letter) -> list[str]:
    """Seven signatories, in the order they signed."""
    names = [f"Signer Number{n}" for n in range(SIGNERS)]
    for n, name in enumerate(names):
        signed_and_confirmed(petition, f"signer{n}@example.org", name)
    return names


def entries(path: str, secret: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every entry of a list, and its pages, walked from `path`."""
    pages = list(walk(path, secret))
    found = [entry for page in pages for entry in next(iter(page["_embedded"].values()))]
    return found, pages


def names_in(found: list[dict[str, Any]]) -> list[str]:
    return [entry["name"] for entry in found]


def next_cursor(page: dict[str, Any]) -> str:
    return parse_qs(urlsplit(page["_links"]["next"]["href"]).query)["cursor"][0]


@pytest.mark.parametrize("per_page", range(1, SIGNERS + 2))
def test_it_walks_every_signature_once_in_order(
    petition: Letter, signed: list[str], per_page: int
) -> None:
    found, pages = entries(f"/api/v1/petitions/{petition.slug}/signatures/?per_page={per_page}")

    assert names_in(found) == signed[::-1]  # newest first
    assert len(pages) == -(-SIGNERS // per_page)
    assert all(len(page["_embedded"]["osdi:signatures"]) <= per_page for page in pages)
    assert {page["total_records"] for page in pages} == {SIGNERS}
    assert {page["per_page"] for page in pages} == {per_page}
    assert "next" not in pages[-1]["_links"] or pages[-1]["_links"]["next"] is None


@pytest.mark.parametrize("per_page", [1, 2, 3, 5])
def test_it_walks_the_organisers_export_once_oldest_first(
    petition: Letter, signed: list[str], secret: str, per_page: int
) -> None:
    path = f"/api/v1/organisation/petitions/{petition.slug}/signatures/?per_page={per_page}"

    found, _pages = entries(path, secret)

    assert names_in(found) == signed
    assert len({entry["identifiers"][0] for entry in found}) == SIGNERS


@pytest.mark.parametrize("per_page", [1, 2, 4])
def test_it_walks_every_letter_once_newest_first(
    organisation: Organisation, secret: str, per_page: int
) -> None:
    slugs = [make_letter(organisation, slug=f"letter-{n}").slug for n in range(4)]
    drafts = [make_letter(organisation, slug=f"draft-{n}", publish=False).slug for n in range(2)]

    public, _pages = entries(f"/api/v1/petitions/?per_page={per_page}")
    own, _pages = entries(f"/api/v1/organisation/petitions/?per_page={per_page}", secret)

    assert [entry["slug"] for entry in public] == slugs[::-1]
    assert [entry["slug"] for entry in own] == (slugs + drafts)[::-1]


def test_a_signature_added_while_a_client_pages_shifts_nothing(
    petition: Letter, signed: list[str]
) -> None:
    path = f"/api/v1/petitions/{petition.slug}/signatures/?per_page=3"
    first = get(path).json()

    signed_and_confirmed(petition, "late@example.org", "Late Signer")
    rest, _pages = entries(f"{path}&cursor={next_cursor(first)}")

    seen = names_in(first["_embedded"]["osdi:signatures"]) + names_in(rest)
    assert seen == signed[::-1]


def cursor_of(path: str, secret: str = "") -> str:
    return next_cursor(get(path, secret).json())


def tampered(cursor: str) -> list[str]:
    flipped = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    return [flipped, cursor[:-3], cursor + "x", "made-up", "%00", cursor[: len(cursor) // 2]]


def assert_refused(path: str, cursor: str, secret: str = "") -> None:
    response = get(f"{path}?{urlencode({'cursor': cursor})}", secret)
    assert response.status_code == 400, (path, cursor, response.content[:300])
    assert response.json()["detail"] == REFUSED, (path, cursor)


def test_it_refuses_a_tampered_cursor_clearly(petition: Letter, signed: list[str]) -> None:
    path = f"/api/v1/petitions/{petition.slug}/signatures/"
    cursor = cursor_of(f"{path}?per_page=2")

    for made_up in tampered(cursor):
        assert_refused(path, made_up)


def test_it_refuses_a_cursor_from_another_list(
    petition: Letter, signed: list[str], organisation: Organisation, secret: str
) -> None:
    other = make_letter(organisation, slug="another-letter")
    make_letter(organisation, slug="third-letter")
    signed_and_confirmed(other, "ada@example.org", "Ada Lovelace")
    signed_and_confirmed(other, "alan@example.org", "Alan Turing")
    signatures = f"/api/v1/petitions/{petition.slug}/signatures/"
    export = f"/api/v1/organisation/petitions/{petition.slug}/signatures/"
    others = f"/api/v1/petitions/{other.slug}/signatures/"
    cursors = {
        "petitions": cursor_of("/api/v1/petitions/?per_page=1"),
        "signatures": cursor_of(f"{signatures}?per_page=1"),
        "other letter's signatures": cursor_of(f"{others}?per_page=1"),
        "export": cursor_of(f"{export}?per_page=1", secret),
        "organisation": cursor_of("/api/v1/organisation/petitions/?per_page=1", secret),
    }
    lists = {
        "petitions": "/api/v1/petitions/",
        "signatures": signatures,
        "export": export,
        "organisation": "/api/v1/organisation/petitions/",
    }
    for mine, path in lists.items():
        for theirs, cursor in cursors.items():
            if theirs != mine:
                assert_refused(path, cursor, secret if "organisation/" in path else "")


def test_it_refuses_a_cursor_made_before_the_letter_changed_its_order(
    workers_letter: Letter,
) -> None:
    """A letter with count steps lists by name, one without newest first: a client paging
    while the organisers change the step holds a cursor of the other order."""
    workers_letter.count_step = 5
    workers_letter.save()
    for n in range(3):
        signed_and_confirmed(
            workers_letter, f"w{n}@northwind.example", f"Worker Number{n}", display="initials"
        )
    path = f"/api/v1/petitions/{workers_letter.slug}/signatures/"
    by_name = cursor_of(f"{path}?per_page=1")

    workers_letter.count_step = None
    workers_letter.save()
    assert_refused(path, by_name)

    newest_first = cursor_of(f"{path}?per_page=1")
    workers_letter.count_step = 5
    workers_letter.save()
    assert_refused(path, newest_first)


@pytest.mark.parametrize("per_page", ["0", "-1", "501", "ten", "1.5", ""])
def test_it_refuses_a_page_size_out_of_range_clearly(petition: Letter, per_page: str) -> None:
    for path in ("/api/v1/petitions/", f"/api/v1/petitions/{petition.slug}/signatures/"):
        response = get(f"{path}?per_page={per_page}")
        assert response.status_code == 422, (path, per_page)
        assert "per_page" in response.json()["errors"], (path, per_page)


def readable(cursor: str) -> Any:
    """What anyone reads in a cursor without the server's key: Django's signed value is
    base64 (of zlib, where it starts with a dot) of JSON, the signature beside it. None
    for a cursor that cannot be read so."""
    value = cursor.split(":")[0].lstrip(".")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        text = zlib.decompress(raw) if cursor.startswith(".") else raw
        return json.loads(text)
    except (ValueError, zlib.error):
        return None


def scalars_in(value: Any) -> list[Any]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [scalar for item in value for scalar in scalars_in(item)]
    return [value]


@pytest.mark.parametrize("count_step", [None, 5])
def test_a_public_cursor_tells_nothing_the_list_does_not(
    workers_letter: Letter, count_step: int | None
) -> None:
    """The public list has no identifier and no date, so nobody can tell who signed when
    (on a letter with count steps, not even in which order); nor may the cursor that
    pages it."""
    workers_letter.count_step = count_step
    workers_letter.save()
    signatures = [
        signed_and_confirmed(
            workers_letter, f"w{n}@northwind.example", f"Worker Number{n}", display="initials"
        )
        for n in range(3)
    ]
    _found, pages = entries(f"/api/v1/petitions/{workers_letter.slug}/signatures/?per_page=1")
    moments = {s.confirmed_at.isoformat()[:16] for s in signatures if s.confirmed_at}
    identifiers = {s.pk for s in signatures}

    for page in pages[:-1]:
        shown = scalars_in(readable(next_cursor(page)))
        assert not [v for v in shown if isinstance(v, str) and v[:16] in moments], shown
        assert not [v for v in shown if isinstance(v, int) and v in identifiers], shown
