"""The worker builds a delivery's PDF and CSV in a short-lived child process, so it never
keeps fpdf2, Pillow, fontTools, HarfBuzz and the fonts loaded (issue 9); a child that fails
fails the task, with its error in the log.

A child sees only committed rows, so these tests use transactional_db (the other delivery
tests run their tasks inside the test's transaction, where the build stays in the process).
"""

import io
import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.conftest import signed_and_confirmed
from tests.processes import (
    database_url_of_test_database,
    environment_for_another_process,
    wait_for_other_sessions_to_end,
)
from undersigned.accounts.models import User
from undersigned.deliveries import build_child
from undersigned.deliveries.delivering import delivery_start
from undersigned.deliveries.models import Delivery, DeliveryStatus, Method
from undersigned.letters.models import Letter

HEAVY = ("fpdf", "PIL", "fontTools", "uharfbuzz", "fontpkg", "noto_cjk_sans_jp_regular")

# The worker's task, run in a fresh process as `undersigned worker` would run it; then
# which of the PDF's libraries that process loaded.
RUN_THE_TASK = f"""
import json, sys
import django
django.setup()
from undersigned.deliveries.tasks import build_delivery
build_delivery.call(int(sys.argv[1]))
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def _delivered_manually(letter: Letter, by: User) -> Delivery:
    signed_and_confirmed(letter, "ada@example.org", "Ada Lovelace", comment="For my street.")
    signed_and_confirmed(letter, "bo@example.org", "Bo Diddley", display="initials")
    return delivery_start(
        letter=letter,
        method=Method.MANUAL,
        targets=list(letter.targets.all()),
        closes_signing=False,
        by=by,
        delivered_on=timezone.localdate(),
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_worker_builds_the_pdf_in_a_child_and_never_loads_fpdf_itself(
    transactional_db: None, petition: Letter, organiser: User, tmp_path: Path, settings: Any
) -> None:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    delivery = _delivered_manually(petition, organiser)
    env = environment_for_another_process(
        tmp_path,
        DATABASE_URL=database_url_of_test_database(),
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="undersigned.settings",
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", RUN_THE_TASK, str(delivery.pk)],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
    finally:
        wait_for_other_sessions_to_end()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []  # none of them in the worker
    assert "in a child process" in done.stderr  # and the child did build them

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.files_event_id is not None
    assert Path(delivery.pdf.path).is_relative_to(media)
    text = _pdf_text(delivery.pdf.read())
    for shown in ("Ada Lovelace", "For my street.", "B. D.", "Dana Whitfield"):
        assert shown in text, shown
    assert "Bo Diddley" not in text
    assert petition.versions.get().text_hash in text
    csv = delivery.csv.read().decode()
    assert "Ada Lovelace" in csv and "B. D." in csv and "Bo Diddley" not in csv


def test_a_child_that_fails_fails_the_build_with_its_error_in_the_log(
    transactional_db: None,
    petition: Letter,
    organiser: User,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    delivery = _delivered_manually(petition, organiser)
    monkeypatch.setattr(build_child, "MODULE", "undersigned.deliveries.no_such_module")
    with caplog.at_level(logging.ERROR), pytest.raises(build_child.DeliveryBuildFailed):
        build_child.delivery_files_build_isolated(delivery)
    assert "No module named undersigned.deliveries.no_such_module" in caplog.text
    delivery.refresh_from_db()
    assert delivery.files_event_id is None and not delivery.pdf  # nothing half-recorded
