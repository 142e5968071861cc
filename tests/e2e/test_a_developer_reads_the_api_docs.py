"""A developer reads the API's docs: Swagger UI, served from this host, lists every
operation of the schema, within the Content-Security-Policy."""

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_it_lists_the_operations_from_our_own_host(page: Page, live_server: Any) -> None:
    requested: list[str] = []
    refused: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda line: refused.append(line.text) if "Content Security Policy" in line.text else None,
    )

    page.goto(f"{live_server.url}/api/v1/docs/")

    expect(page.get_by_text("undersigned API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/petitions/{slug}/signatures/").first).to_be_visible()
    expect(page.get_by_text("/api/v1/organisation/petitions/").first).to_be_visible()
    ours = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in requested if url.startswith("http")} == {ours}
    assert refused == []
