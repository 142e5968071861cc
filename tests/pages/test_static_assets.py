"""Static assets go out under content-hashed names, compressed, cached for a year, and are
collected by whatever starts a server whenever their sources changed
(lib/static_assets.py)."""

import gzip
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import brotli
import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import make_letter
from undersigned.lib.static_assets import assets_collected
from undersigned.organisations.models import Organisation

HASHED = re.compile(r"/static/css/site\.[0-9a-f]{12}\.css")
A_YEAR = 365 * 24 * 60 * 60


def body(response: Any) -> bytes:
    content = b"".join(response.streaming_content)
    response.close()
    return content


def linked(page: str, attribute: str) -> str:
    found = re.search(rf'{attribute}="(/static/[^"]+)"', page)
    assert found, f"no {attribute} in the page"
    return found.group(1)


@pytest.mark.django_db
def test_it_links_assets_by_hashed_names_a_year_cacheable() -> None:
    page = Client().get("/").text
    stylesheet = HASHED.search(page)
    assert stylesheet, "no hashed stylesheet in the page"

    response = Client().get(stylesheet.group(0))

    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert f"max-age={A_YEAR}" in cache_control
    assert "immutable" in cache_control
    named_for = hashlib.md5(body(response), usedforsecurity=False).hexdigest()[:12]
    assert stylesheet.group(0).endswith(f".{named_for}.css")  # its name is what it holds


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accepted", "encoding", "decode"),
    [("br", "br", brotli.decompress), ("gzip, deflate", "gzip", gzip.decompress)],
)
def test_it_sends_an_asset_compressed_as_the_client_accepts(
    accepted: str, encoding: str, decode: Any
) -> None:
    stylesheet = HASHED.search(Client().get("/").text)
    assert stylesheet

    response = Client().get(stylesheet.group(0), HTTP_ACCEPT_ENCODING=accepted)

    assert response["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response["Vary"]
    sent = body(response)
    plain = body(Client().get(stylesheet.group(0)))
    assert len(sent) < len(plain) / 2
    assert decode(sent) == plain


@pytest.mark.django_db
def test_it_sends_an_asset_plain_to_a_client_that_accepts_no_compression() -> None:
    stylesheet = HASHED.search(Client().get("/").text)
    assert stylesheet

    response = Client().get(stylesheet.group(0))

    assert not response.has_header("Content-Encoding")


@pytest.mark.django_db
def test_a_missing_asset_is_not_found() -> None:
    stylesheet = HASHED.search(Client().get("/").text)
    assert stylesheet
    no_such_content = re.sub(r"\.[0-9a-f]{12}\.css$", ".000000000000.css", stylesheet.group(0))

    for url in ["/static/css/nothing.css", "/static/css/nothing.0123456789ab.css", no_such_content]:
        assert Client().get(url).status_code == 404, url


@pytest.mark.django_db
def test_the_sign_forms_widget_its_styles_and_its_worker_are_served_by_hashed_names(
    organisation: Organisation,
) -> None:
    letter = make_letter(organisation, slug="drop-the-contract")
    page = Client().get(f"/letters/{letter.slug}/").text

    for attribute, kind in [
        ("data-widget", "javascript"),
        ("data-style", "css"),
        ("data-worker", "javascript"),
    ]:
        url = linked(page, attribute)
        assert re.search(r"\.[0-9a-f]{12}\.(js|css)$", url), url
        response = Client().get(url)
        assert response.status_code == 200, url
        assert kind in response["Content-Type"]
        body(response)


def test_every_url_in_a_collected_stylesheet_names_a_collected_file() -> None:
    root = Path(settings.STATIC_ROOT)
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    stylesheets = [name for name in manifest.values() if name.endswith(".css")]
    references = 0
    for name in stylesheets:
        text = (root / name).read_text()
        for target in re.findall(r"""url\(\s*['"]?([^'")]+)""", text):
            if target.startswith(("data:", "#", "http:", "https:", "//")):
                continue
            path = target.split("#")[0].split("?")[0]
            assert (root / os.path.dirname(name) / path).resolve().is_file(), (name, target)
            assert re.search(r"\.[0-9a-f]{12}\.", path), (name, target)
            references += 1
    assert references  # the admin's stylesheets name their icons


def test_it_collects_once_and_again_only_when_a_source_changed(
    tmp_path: Path, settings: Any
) -> None:
    sources = tmp_path / "sources"
    (sources / "css").mkdir(parents=True)
    stylesheet = sources / "css" / "site.css"
    stylesheet.write_text("body { color: black; }\n" * 50)
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STATICFILES_DIRS = [sources]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]

    assert assets_collected()
    first = json.loads((tmp_path / "collected" / "staticfiles.json").read_text())["paths"]
    assert not assets_collected()

    stylesheet.write_text("body { color: navy; }\n" * 50)
    assert assets_collected()
    second = json.loads((tmp_path / "collected" / "staticfiles.json").read_text())["paths"]
    assert first["css/site.css"] != second["css/site.css"]
    # The old name still answers, for the pages that still link it.
    assert (tmp_path / "collected" / first["css/site.css"]).exists()
    assert (tmp_path / "collected" / (second["css/site.css"] + ".br")).exists()
