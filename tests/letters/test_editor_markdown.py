"""Whatever an organiser writes in a letter's Markdown, no script reaches its page."""

from html.parser import HTMLParser

from django.test import Client

from tests.letters.editor_page import form_values
from undersigned.accounts.models import User
from undersigned.letters.models import Letter
from undersigned.organisations.models import Organisation

HOSTILE_BODY = """\
We ask **Northwind** to [read our reasons](https://example.org/reasons).

<script>alert("body")</script>

[a harmless link](javascript:alert('link'))

<a href="javascript:alert('raw')">raw link</a> <img src=x onerror="alert('img')">

<iframe src="https://example.org/"></iframe>
"""


class ActiveContent(HTMLParser):
    """Collects what a browser would run: inline scripts, handlers, script URLs, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                self.found.append(f"{tag} {name}={value}")
        if tag == "script" and not dict(attrs).get("src", "").startswith("/static/"):
            self.found.append("inline script")
        if tag in ("iframe", "object", "embed", "img"):
            self.found.append(tag)


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


def test_it_keeps_scripts_out_of_the_preview_and_the_public_page(
    organiser: User, organisation: Organisation
) -> None:
    olu = Client()
    olu.force_login(organiser)
    url = "/dashboard/organisations/open-streets-alliance/letters/new/"
    form = form_values(olu.get(url))
    form.update(
        {
            "title": "Drop the contract <script>alert('title')</script>",
            "slug": "drop-the-contract",
            "body": HOSTILE_BODY,
            "pledge": "<script>alert('pledge')</script>",
            "demands": "<b onclick=alert('demand')>Withdraw</b>",
            "targets-0-name": "<script>alert('target')</script>",
        }
    )
    olu.post(url, form)
    preview = olu.get("/dashboard/letters/drop-the-contract/preview/").text
    olu.post("/dashboard/letters/drop-the-contract/publish/")
    public = Client().get("/letters/drop-the-contract/").text

    for page in (preview, public):
        assert "<strong>Northwind</strong>" in page
        assert 'href="https://example.org/reasons"' in page
        assert active_content(page) == []
    # Kept as written; made safe each time it is shown.
    assert Letter.objects.get().body == HOSTILE_BODY.strip()
