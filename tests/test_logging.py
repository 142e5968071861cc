import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import environment_for_another_process

NOT_FOUND = (
    "import django; django.setup(); from django.test import Client; Client().get('/no-such-page/')"
)


@pytest.mark.parametrize("debug", ["1", "0"], ids=["debug", "production"])
def test_it_prints_a_warning_about_a_request_once(tmp_path: Path, debug: str) -> None:
    env = environment_for_another_process(
        tmp_path,
        DJANGO_SETTINGS_MODULE="undersigned.settings",
        DEBUG=debug,
        ALLOWED_HOSTS="testserver",
    )
    done = subprocess.run(
        [sys.executable, "-c", NOT_FOUND],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    printed = [line for line in done.stderr.splitlines() if "/no-such-page/" in line]
    assert len(printed) == 1
    assert printed[0].endswith(" WARNING django.request Not Found: /no-such-page/")
