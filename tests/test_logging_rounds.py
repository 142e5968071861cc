"""The rounds that run every second or so do not fill the log: their INFO lines are
dropped, their warnings and every other line are kept."""

import logging

from django.conf import settings

from undersigned.lib.log_filter import Unremarkable


def record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("django_tasks", level, __file__, 1, message, None, None)


def test_it_drops_only_the_info_lines_of_the_frequent_rounds() -> None:
    words: list[str] = settings.LOGGING["filters"]["unremarkable"]["words"]  # type: ignore[index]
    quiet = Unremarkable(words)
    round_line = (
        "Task id=1 path=undersigned.transparency.appending.transparency_round state=RUNNING"
    )

    assert not quiet.filter(record(logging.INFO, round_line))
    assert quiet.filter(record(logging.WARNING, round_line))
    assert quiet.filter(
        record(
            logging.INFO, "Task id=2 path=undersigned.signing.tasks.send_confirmation state=RUNNING"
        )
    )
