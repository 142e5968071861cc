"""A client of the public API may ask with HEAD, and a script on another site may send
its preflight first: both are answered as the GET would be, without its body."""

from django.test import Client

from undersigned.letters.models import Letter


def test_it_answers_head_with_the_get_s_headers(petition: Letter) -> None:
    path = f"/api/v1/petitions/{petition.slug}/"
    got = Client().get(path)

    head = Client().head(path)

    assert head.status_code == 200
    assert head["ETag"] == got["ETag"]
    assert head["Cache-Control"] == got["Cache-Control"]


def test_it_answers_a_preflight_for_a_conditional_get_from_any_site(petition: Letter) -> None:
    answer = Client().options(
        f"/api/v1/petitions/{petition.slug}/signatures/",
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert answer.status_code == 204
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in answer["Access-Control-Allow-Headers"]


def test_the_schema_is_cached_and_open_to_any_site() -> None:
    answer = Client().get("/api/v1/openapi.json")

    assert answer.status_code == 200
    assert answer["Access-Control-Allow-Origin"] == "*"
    assert "max-age=60" in answer["Cache-Control"]
    assert answer.json()["openapi"] == "3.1.0"


def test_a_missing_token_is_asked_for_as_a_bearer_token() -> None:
    answer = Client().get("/api/v1/organisation/petitions/")

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"].startswith("Bearer")
