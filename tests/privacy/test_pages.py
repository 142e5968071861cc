"""The pages that say what we keep and who is responsible for it, reached from every page."""

from typing import Any

from django.test import Client


def test_what_we_keep_says_how_long_and_how_to_download_or_erase(db: None, settings: Any) -> None:
    settings.FRAUD_WINDOW_DAYS = 21
    page = Client().get("/what-we-keep/")
    assert page.status_code == 200
    text = page.text
    assert "We blank both 21 days after you sign" in text
    assert "183 days (about six months)" in text
    assert "30 days, the life of its confirmation link" in text
    assert 'href="/my-data/"' in text
    assert "valid for 24 hours" in text
    assert "never to your work address" in text


def test_the_privacy_page_marks_what_the_operator_must_complete(db: None) -> None:
    text = Client().get("/privacy/").text
    assert "set <code>PRIVACY_OPERATOR</code>" in text
    assert "set <code>PRIVACY_CONTACT</code>" in text
    assert "For whoever runs this site, to complete" in text


def test_the_privacy_page_names_the_operator_once_set(db: None, settings: Any) -> None:
    settings.PRIVACY_OPERATOR = "Open Streets Alliance e.V."
    settings.PRIVACY_CONTACT = "privacy@streets.example"
    text = Client().get("/privacy/").text
    assert "run by <strong>Open Streets Alliance e.V.</strong>" in text
    assert "<strong>privacy@streets.example</strong>" in text
    assert "PRIVACY_OPERATOR" not in text


def test_every_page_links_to_them_in_its_footer(db: None) -> None:
    for path in ("/", "/my-data/", "/privacy/"):
        footer = Client().get(path).text.split('<footer class="site">')[1]
        for link in ('href="/what-we-keep/"', 'href="/my-data/"', 'href="/privacy/"'):
            assert link in footer, (path, link)
