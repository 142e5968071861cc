"""What a first visit to the public pages costs in Debian's Chromium: bytes transferred,
requests, requests to any other host, and time to first render, at a phone's width and a
desktop's; and what a second visit transfers once the assets are cached.

Runs `undersigned serve` on a throwaway SQLite site with the demo letters, and drives
Chromium through Playwright (the browser tests' own), each page in a fresh browser context
so that its cache starts empty. Bytes are what went over the wire (Chromium's
`encodedDataLength`: compressed bodies and headers). The target of the front-end issue is a
letter page under 100 KB on a first visit, with no request to another host.

    uv run python bench/page_weight.py [--repeat 3]
"""

import argparse
import os
import statistics
import sys
from typing import Any
from urllib.parse import urlsplit

from harness import (
    HOST,
    LETTER,
    PYTHON,
    free_port,
    machine_note,
    print_table,
    process_start,
    site_create,
    stop_all,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
PAGES = {
    "letter page": f"/letters/{LETTER}/",
    "signatures": f"/letters/{LETTER}/signatures/",
    "home": "/",
}
LETTER_PAGE_BUDGET = 100 * 1024


def visit(context: Any, url: str) -> dict[str, Any]:
    """Load `url` in a tab of `context`; what went over the wire and when it first painted."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    transferred: dict[str, float] = {}
    urls: dict[str, str] = {}
    hosts: set[str] = set()

    def finished(event: dict[str, Any]) -> None:
        transferred[event["requestId"]] = event["encodedDataLength"]

    def sent(event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        urls[event["requestId"]] = url
        if url.startswith("http"):
            hosts.add(urlsplit(url).netloc)

    cdp.on("Network.loadingFinished", finished)
    cdp.on("Network.requestWillBeSent", sent)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # late requests (the live count's first poll) land
    timing = page.evaluate(
        """() => {
          const paint = performance.getEntriesByName("first-contentful-paint")[0];
          const nav = performance.getEntriesByType("navigation")[0];
          return {fcp: paint ? paint.startTime : null, load: nav ? nav.loadEventEnd : null};
        }"""
    )
    page.close()
    return {
        "bytes": sum(transferred.values()),
        "largest": sorted(
            ((size, urlsplit(urls.get(rid, "?")).path) for rid, size in transferred.items()),
            reverse=True,
        )[:6],
        "requests": len(transferred),
        "hosts": hosts,
        **timing,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="first visits per page and width")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"Chromium is not at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    site = site_create("")
    port = free_port()
    log = site.data_dir / "serve.log"
    command = [PYTHON, "-m", "undersigned.cli", "serve", "--addr", f"{HOST}:{port}"]
    process_start([*command, "--workers", "1"], env=site.env, log=log, port=port)
    base = f"http://{HOST}:{port}"
    ours = urlsplit(base).netloc
    print(machine_note())
    rows = []
    letter_first: list[float] = []
    letter_largest: list[tuple[float, str]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width, viewport in WIDTHS.items():
                for name, path in PAGES.items():
                    firsts, repeats = [], []
                    for _ in range(args.repeat):
                        context = browser.new_context(viewport=viewport)
                        firsts.append(visit(context, base + path))
                        repeats.append(visit(context, base + path))
                        context.close()
                    first_bytes = statistics.median(v["bytes"] for v in firsts)
                    if name == "letter page":
                        letter_first.append(first_bytes)
                        letter_largest = firsts[0]["largest"]
                    others = set().union(*(v["hosts"] for v in firsts + repeats)) - {ours}
                    rows.append(
                        [
                            name,
                            width,
                            str(round(statistics.median(v["requests"] for v in firsts))),
                            f"{first_bytes / 1024:.1f}",
                            f"{statistics.median(v['bytes'] for v in repeats) / 1024:.1f}",
                            _ms([v["fcp"] for v in firsts]),
                            _ms([v["load"] for v in firsts]),
                            ", ".join(sorted(others)) or "none",
                        ]
                    )
            browser.close()
    finally:
        stop_all()
    print(f"\nPublic pages in Chromium, medians of {args.repeat} first visits each")
    print_table(
        [
            "page",
            "width",
            "requests",
            "first visit KB",
            "repeat visit KB",
            "first paint ms",
            "load ms",
            "other hosts",
        ],
        rows,
    )
    print("\nThe letter page's largest transfers on a first visit:")
    print_table(["KB", "path"], [[f"{size / 1024:.1f}", path] for size, path in letter_largest])
    worst = max(letter_first)
    verdict = "pass" if worst < LETTER_PAGE_BUDGET else "MISS"
    print(f"\nletter page, first visit: {worst / 1024:.1f} KB at most (target < 100 KB): {verdict}")


def _ms(values: list[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{statistics.median(known):.0f}" if known else "-"


if __name__ == "__main__":
    main()
