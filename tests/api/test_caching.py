"""Public answers are cacheable by anyone and readable from any site: an ETag and a 304
for a client that holds the answer already, Cache-Control, CORS. Organisers' answers are
revalidated and never kept by a shared cache."""

import pytest

from tests.api.conftest import get
from tests.conftest import signed_and_confirmed
from undersigned.api.api import UNAUTHENTICATED
from undersigned.letters.models import Letter

PUBLIC = [
    "/api/v1/petitions/",
    "/api/v1/petitions/drop-the-contract/",
    "/api/v1/petitions/drop-the-contract/count/",
    "/api/v1/petitions/drop-the-contract/signatures/",
    "/api/v1/petitions/drop-the-contract/updates/",
    "/api/v1/petitions/drop-the-contract/deliveries/",
    "/api/v1/petitions/drop-the-contract/answers/",
]
CACHEABLE = "public, max-age=5, stale-while-revalidate=10"


@pytest.mark.parametrize("path", PUBLIC)
def test_it_answers_a_client_holding_the_answer_with_304(petition: Letter, path: str) -> None:
    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    first = get(path)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    again = get(path, headers={"If-None-Match": etag})

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == CACHEABLE
    assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", PUBLIC)
def test_it_lets_anyone_cache_and_read_a_public_answer(petition: Letter, path: str) -> None:
    response = get(path, headers={"Origin": "https://news.example"})

    assert response.status_code == 200
    assert response["Cache-Control"] == CACHEABLE
    assert response["Access-Control-Allow-Origin"] == "*"
    # A script on another site may read the ETag, to send it back.
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Set-Cookie" not in response
    assert "Authorization" not in response.get("Vary", "")


def test_a_new_signature_changes_the_etag(petition: Letter) -> None:
    path = f"/api/v1/petitions/{petition.slug}/count/"
    before = get(path)

    signed_and_confirmed(petition, "ada@example.org", "Ada Lovelace")
    after = get(path, headers={"If-None-Match": before["ETag"]})

    assert after.status_code == 200
    assert after.json()["total_signatures"] == 1
    assert after["ETag"] != before["ETag"]


def test_an_error_is_readable_from_any_site_but_not_cached(petition: Letter) -> None:
    for path in ("/api/v1/petitions/no-such-letter/", "/api/v1/petitions/?cursor=made-up"):
        response = get(path)
        assert response.status_code in (400, 404), path
        assert response["Cache-Control"] == "no-cache", path
        assert response["Access-Control-Allow-Origin"] == "*", path
        assert response.json()["detail"], path


def test_an_organisers_answer_is_revalidated_and_kept_by_no_shared_cache(
    petition: Letter, secret: str
) -> None:
    path = "/api/v1/organisation/petitions/"
    first = get(path, secret)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    assert "Authorization" in first["Vary"]
    # Only a tool holding the token reads it: no site's script is let in.
    assert "Access-Control-Allow-Origin" not in first

    again = get(path, secret, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again["Cache-Control"] == "private, no-cache"


def test_a_refusal_without_a_token_is_kept_by_no_cache(petition: Letter) -> None:
    response = get("/api/v1/organisation/petitions/")

    assert response.status_code == 401
    assert response["Cache-Control"] == "private, no-cache"
    assert response.json() == {"detail": UNAUTHENTICATED}
