"""Screenshots of the home page, the letter editor and the thank-you page, on a phone and on
a desktop, with the demo data, for docs/screenshots/.

Every run takes them, into a temporary folder, so the pages are known to render at both
widths with the demo data; they are written where the docs keep them only when asked:

    UNDERSIGNED_SCREENSHOTS=docs/screenshots ./run test tests/e2e/test_screenshots.py
"""

import os
import struct
from pathlib import Path
from typing import Any

import pytest

from undersigned.demo.loading import DEMO_EMAIL, DEMO_PASSWORD, demo_load

pytestmark = pytest.mark.browser

TARGET = os.environ.get("UNDERSIGNED_SCREENSHOTS", "")
WIDTHS = {"phone": 375, "desktop": 1280}
PETITION = "northwind-drop-the-camera-contract"
PAGES = {
    "home": "/",
    "letter-editor": f"/dashboard/letters/{PETITION}/",
    "thank-you": f"/letters/{PETITION}/signed/",
}


def png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", header[16:20])[0])


@pytest.mark.parametrize("device", WIDTHS)
def test_it_renders_the_pictured_pages_at_phone_and_desktop_widths(
    browser: Any, live_server: Any, settings: Any, device: str, tmp_path: Path
) -> None:
    settings.BASE_URL = "https://letters.example.org"  # the address shown to copy
    demo_load()
    folder = Path(TARGET) if TARGET else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTHS[device], "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email", exact=True).fill(DEMO_EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")

    for name, path in PAGES.items():
        page.goto(live_server.url + path)
        picture = folder / f"{name}-{device}.png"
        page.screenshot(path=picture, full_page=True)
        assert png_width(picture) == WIDTHS[device]
    context.close()
