"""A delivery's signed manifest: built with its files from a head that covers every
signature delivered, served and linked on the letter page, and checked by
`undersigned verify`; a manifest changed by one number fails."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from tests.conftest import run_tasks, signed_and_confirmed
from undersigned.accounts.models import User
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Delivery, Method
from undersigned.letters.models import Letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def verify(source: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify", source, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def delivered(
    petition: Letter, organiser: User, live_server: LiveServer, settings: Any
) -> Delivery:
    settings.BASE_URL = live_server.url
    settings.DELIVERY_BUILD_IN_CHILD = False
    for n in range(3):
        signed_and_confirmed(petition, f"s{n}@example.org")
    delivery = delivery_start(
        letter=petition,
        method=Method.MANUAL,
        targets=list(petition.targets.all()),
        closes_signing=False,
        by=organiser,
        delivered_on=timezone.localdate(),
    )
    run_tasks()
    delivery.refresh_from_db()
    return delivery


def test_it_builds_serves_and_links_a_signed_manifest(delivered: Delivery) -> None:
    letter = delivered.letter
    response = Client().get(f"/letters/{letter.slug}/deliveries/1/manifest.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    manifest = json.loads(response.content)
    assert manifest["manifest_format"] == 1
    assert manifest["delivery"] == 1
    assert manifest["letter"]["slug"] == letter.slug
    assert manifest["text_hash"] == delivered.letter_version.text_hash
    assert manifest["counts"] == {"total": 3, "verified": 0, "paper": 0, "confirmed": 3}
    assert manifest["delivered"] == {"total": 3, "verified": 0}
    assert manifest["head"]["size"] == 3 and manifest["head"]["total"] == 3
    assert len(bytes.fromhex(manifest["signature"])) == 64
    page = Client().get(f"/letters/{letter.slug}/")
    assert f'href="/letters/{letter.slug}/deliveries/1/manifest.json"' in page.text


def test_it_verifies_a_manifest_from_its_address_and_as_a_file(
    delivered: Delivery, live_server: LiveServer, tmp_path: Path
) -> None:
    url = f"{live_server.url}/letters/{delivered.letter.slug}/deliveries/1/manifest.json"
    code, out = verify(url)
    assert code == 0, out
    assert out.startswith(f"VERIFIED: delivery 1 of {delivered.letter.slug}: 3 signatures")
    assert "signed head of size 3, consistent with the latest" in out

    saved = tmp_path / "manifest.json"
    saved.write_text(delivered.manifest)
    code, out = verify(str(saved))
    assert code == 0, out


def test_it_fails_a_tampered_manifest(delivered: Delivery, tmp_path: Path) -> None:
    manifest = json.loads(delivered.manifest)
    manifest["counts"]["total"] = 30
    manifest["counts"]["confirmed"] = 30
    saved = tmp_path / "manifest.json"
    saved.write_text(json.dumps(manifest))
    code, out = verify(str(saved))
    assert code == 1
    assert out.startswith("FAILED: the manifest's signature: its Ed25519 signature does not verify")
    assert "the manifest says 30 total, the log at size 3 adds up to 3" in out
