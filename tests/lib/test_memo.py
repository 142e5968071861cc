"""Values a process keeps for a second or so: loaded once in their time, again after it,
never when the load failed; and the public letter, read once in LETTER_CACHE_SECONDS."""

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tests.conftest import make_letter
from undersigned.letters.access import public_letter
from undersigned.letters.models import Letter
from undersigned.letters.publishing import letter_publish
from undersigned.lib.memo import Memo
from undersigned.organisations.models import Organisation


class Loads:
    """A load that counts its calls and returns a new object each time."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[int]:
        self.calls += 1
        return [self.calls]


def test_it_loads_once_within_its_time() -> None:
    memo: Memo[str, list[int]] = Memo(lambda: 60)
    load = Loads()

    first = memo.get("letter", load)
    second = memo.get("letter", load)

    assert load.calls == 1
    assert second is first


def test_it_loads_again_once_its_time_is_past() -> None:
    memo: Memo[str, list[int]] = Memo(lambda: 0.05)
    load = Loads()
    memo.get("letter", load)

    time.sleep(0.1)  # past the value's time: a wait, not a measurement
    again = memo.get("letter", load)

    assert load.calls == 2
    assert again == [2]


def test_each_key_is_loaded_and_kept_on_its_own() -> None:
    memo: Memo[str, list[int]] = Memo(lambda: 60)
    one, other = Loads(), Loads()

    assert memo.get("one", one) == [1]
    assert memo.get("other", other) == [1]
    assert memo.get("one", other) == [1]  # kept: the load given is not called

    assert (one.calls, other.calls) == (1, 1)


def test_it_never_keeps_a_failed_load() -> None:
    memo: Memo[str, list[int]] = Memo(lambda: 60)
    load = Loads()

    def failing() -> list[int]:
        load()
        raise LookupError("not yet")

    with pytest.raises(LookupError):
        memo.get("letter", failing)
    with pytest.raises(LookupError):
        memo.get("letter", failing)
    kept = memo.get("letter", load)

    assert load.calls == 3
    assert memo.get("letter", load) is kept


def test_zero_seconds_keeps_nothing() -> None:
    memo: Memo[str, list[int]] = Memo(lambda: 0)
    load = Loads()

    values = [memo.get("letter", load) for _ in range(3)]

    assert values == [[1], [2], [3]]


def test_its_time_is_read_on_each_get() -> None:
    seconds = [60.0]
    memo: Memo[str, list[int]] = Memo(lambda: seconds[0])
    load = Loads()
    memo.get("letter", load)

    seconds[0] = 0
    memo.get("letter", load)
    memo.get("letter", load)

    assert load.calls == 3


def test_clear_forgets_everything_kept() -> None:
    memo: Memo[str, list[int]] = Memo(lambda: 60)
    load = Loads()
    memo.get("letter", load)

    memo.clear()
    memo.get("letter", load)

    assert load.calls == 2


# The public letter, through the process's own memo: each test's letter has an address no
# other test has, since what the memo keeps outlives a test's database.


@pytest.fixture
def kept_a_minute(settings: Any) -> None:
    settings.LETTER_CACHE_SECONDS = 60


def unique_letter(organisation: Organisation, **fields: Any) -> Letter:
    return make_letter(organisation, slug=f"memo-{uuid.uuid4().hex[:12]}", **fields)


def queries_of(read: Callable[[], Any]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        value = read()
    return value, len(queries)


@pytest.mark.usefixtures("kept_a_minute")
def test_the_public_letter_is_read_from_the_database_once_within_its_time(
    organisation: Organisation,
) -> None:
    letter = unique_letter(organisation)

    first, first_queries = queries_of(lambda: public_letter(letter.slug))
    second, second_queries = queries_of(lambda: public_letter(letter.slug))
    organisation_name, organisation_queries = queries_of(lambda: second.organisation.name)

    assert first.pk == second.pk == letter.pk
    assert first_queries == 1  # the letter with its organisation
    assert second_queries == 0
    assert (organisation_name, organisation_queries) == (organisation.name, 0)


@pytest.mark.usefixtures("kept_a_minute")
def test_each_caller_gets_a_public_letter_of_its_own(organisation: Organisation) -> None:
    letter = unique_letter(organisation, title="Drop the camera contract")
    one = public_letter(letter.slug)

    one.title = "Changed by one caller"
    one.goal = 5
    other = public_letter(letter.slug)

    assert other is not one
    assert other.title == "Drop the camera contract"
    assert other.goal == letter.goal
    assert public_letter(letter.slug).title == "Drop the camera contract"


@pytest.mark.usefixtures("kept_a_minute")
def test_a_caller_changing_its_letters_organisation_changes_no_one_elses(
    organisation: Organisation,
) -> None:
    letter = unique_letter(organisation)
    one = public_letter(letter.slug)

    one.organisation.name = "Changed by one caller"
    other = public_letter(letter.slug)

    assert other.organisation.name == organisation.name


def test_with_no_time_the_public_letter_is_read_on_every_call(
    organisation: Organisation,
) -> None:
    letter = unique_letter(organisation)

    counts = [queries_of(lambda: public_letter(letter.slug))[1] for _ in range(2)]

    assert counts == [1, 1]


@pytest.mark.usefixtures("kept_a_minute")
def test_a_draft_is_not_found_and_its_absence_is_not_kept(organisation: Organisation) -> None:
    draft = unique_letter(organisation, publish=False)

    with pytest.raises(Http404):
        public_letter(draft.slug)
    letter_publish(letter=draft)

    assert public_letter(draft.slug).pk == draft.pk
