from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError


def deploy_check_output(capsys: pytest.CaptureFixture[str]) -> str:
    try:
        call_command("check", "--deploy", "--fail-level", "ERROR")
    except SystemCheckError as error:  # other deploy checks may be errors; we read ours
        return str(error)
    captured = capsys.readouterr()
    return captured.err + captured.out


def test_it_warns_a_real_site_that_prints_its_mail(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    assert "undersigned.W001" in deploy_check_output(capsys)


def test_it_says_nothing_when_mail_goes_to_a_relay(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    assert "undersigned.W001" not in deploy_check_output(capsys)
