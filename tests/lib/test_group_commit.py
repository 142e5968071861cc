"""Group commit: many threads' writes made durable by one commit, each answered after it.

The writer thread has a connection of its own, so these tests use transactional_db: what
a caller is told is committed must be there for any other connection to read.
"""

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, TypeVar

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import override_settings

from undersigned.letters.models import Target
from undersigned.lib.group_commit import GroupCommit
from undersigned.signing.models import ConfirmationQuota

T = TypeVar("T")

TODAY = date(2030, 1, 2)


class Batches:
    """Which writes each commit held, as the writer's connection reports it.

    Each recorded write asks to hear of its own commit; a write that failed is never
    heard of, since its savepoint's hooks go with it. A commit runs its hooks together,
    after every write of its batch has run and before the next batch's writes start: a
    hook heard after a write has run begins the next commit's list.
    """

    def __init__(self) -> None:
        self.ran_since_last_hook = False
        self.committed: list[list[int]] = []

    def write(self, index: int, then: Callable[[], Any] | None = None) -> Callable[[], int]:
        def write() -> int:
            self.ran_since_last_hook = True
            ConfirmationQuota.objects.create(email_key=f"writer-{index}", day=TODAY, used=1)
            transaction.on_commit(lambda: self._heard(index))
            if then is not None:
                then()
            return index

        return write

    def _heard(self, index: int) -> None:
        if self.ran_since_last_hook:
            self.committed.append([])
            self.ran_since_last_hook = False
        self.committed[-1].append(index)


def keys_stored() -> set[str]:
    return set(ConfirmationQuota.objects.values_list("email_key", flat=True))


def stored_elsewhere(key: str) -> bool:
    """Whether another connection (a new thread's) reads the row: it is committed."""
    found: list[bool] = []

    def read() -> None:
        try:
            found.append(ConfirmationQuota.objects.filter(email_key=key).exists())
        finally:
            connections.close_all()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return found == [True]


def at_once(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """work(0) … work(count - 1), each in a thread of its own, started together; each
    thread's result or the exception it raised."""
    start = threading.Barrier(count)
    results: list[T | BaseException] = [RuntimeError("did not finish")] * count

    def run(index: int) -> None:
        try:
            start.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a caller was never answered"
    return results


@pytest.fixture
def group(transactional_db: None) -> Iterator[GroupCommit]:
    """A group commit of the test's own, whose writer drops its connection afterwards (on
    PostgreSQL, an open session would keep the test database from being dropped)."""
    group = GroupCommit(f"test-{uuid.uuid4().hex[:8]}")
    yield group
    with override_settings(GROUP_COMMIT=True):
        group.run(lambda: transaction.on_commit(connection.close))


class Gate:
    """A write that holds the writer until `count` more writes wait behind it, so they are
    all waiting when it takes its next batch."""

    def __init__(self, group: GroupCommit, count: int) -> None:
        self.group = group
        self.count = count
        self.running = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def __enter__(self) -> "Gate":
        self.thread.start()
        assert self.running.wait(timeout=30), "the writer never ran the gate"
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.thread.join(timeout=60)

    def _run(self) -> None:
        try:
            self.group.run(self._hold)
        finally:
            connections.close_all()

    def _hold(self) -> None:
        self.running.set()
        deadline = time.monotonic() + 30
        # The queue of waiting writes is the writer's own; reading its length is the one
        # way to know every caller has handed its write over.
        while self.group._waiting.qsize() < self.count and time.monotonic() < deadline:
            time.sleep(0.005)


def test_every_write_of_many_threads_at_once_is_committed_before_its_caller_is_answered(
    group: GroupCommit,
) -> None:
    batches = Batches()

    def sign(index: int) -> bool:
        group.run(batches.write(index))
        # Read on this thread's own connection, not the writer's: committed already.
        return ConfirmationQuota.objects.filter(email_key=f"writer-{index}").exists()

    answers = at_once(40, sign)

    assert answers == [True] * 40
    assert keys_stored() == {f"writer-{index}" for index in range(40)}
    assert sorted(index for batch in batches.committed for index in batch) == list(range(40))


def test_writes_waiting_together_share_one_commit(group: GroupCommit) -> None:
    batches = Batches()

    with Gate(group, 40):
        answers = at_once(40, lambda index: group.run(batches.write(index)))

    assert answers == list(range(40))
    assert [sorted(batch) for batch in batches.committed] == [list(range(40))]
    assert len(keys_stored()) == 40


def test_a_commit_holds_at_most_group_commit_max_writes(group: GroupCommit, settings: Any) -> None:
    settings.GROUP_COMMIT_MAX = 10
    batches = Batches()

    with Gate(group, 40):
        answers = at_once(40, lambda index: group.run(batches.write(index)))

    assert answers == list(range(40))
    assert [len(batch) for batch in batches.committed] == [10, 10, 10, 10]
    assert len(keys_stored()) == 40


class Refused(Exception):
    pass


def test_a_failing_write_gets_its_own_exception_and_the_rest_of_its_batch_commits(
    group: GroupCommit,
) -> None:
    batches = Batches()
    refusal = Refused("no")

    def refuse() -> None:
        raise refusal

    def duplicate() -> None:
        # A database error, in the writer's transaction: on PostgreSQL it aborts the
        # transaction unless its savepoint alone is rolled back.
        ConfirmationQuota.objects.create(email_key="existing", day=TODAY, used=2)

    def write(index: int) -> int:
        then = {3: refuse, 5: duplicate}.get(index)
        return group.run(batches.write(index, then))

    group.run(lambda: ConfirmationQuota.objects.create(email_key="existing", day=TODAY, used=1))
    with Gate(group, 8):
        answers = at_once(8, write)

    assert answers[3] is refusal
    assert isinstance(answers[5], IntegrityError)
    assert [answers[index] for index in (0, 1, 2, 4, 6, 7)] == [0, 1, 2, 4, 6, 7]
    # The failed writes' hooks never ran: their savepoints took them along.
    assert [sorted(batch) for batch in batches.committed] == [[0, 1, 2, 4, 6, 7]]
    assert keys_stored() == {"existing"} | {f"writer-{index}" for index in (0, 1, 2, 4, 6, 7)}
    assert ConfirmationQuota.objects.get(email_key="existing").used == 1


def test_a_commit_that_fails_fails_every_write_of_its_batch_and_the_next_batch_commits(
    group: GroupCommit,
) -> None:
    batches = Batches()

    def dangling() -> None:
        # Foreign keys are checked at the commit (DEFERRABLE INITIALLY DEFERRED, on
        # SQLite and PostgreSQL alike): the insert passes, the commit fails.
        Target.objects.create(letter_id=10**9, name="Nobody")

    def write(index: int) -> int:
        return group.run(batches.write(index, dangling if index == 2 else None))

    with Gate(group, 5):
        answers = at_once(5, write)

    assert all(isinstance(answer, IntegrityError) for answer in answers), answers
    assert batches.committed == []
    assert keys_stored() == set()
    assert not Target.objects.exists()

    assert group.run(batches.write(9)) == 9
    assert batches.committed == [[9]]
    assert stored_elsewhere("writer-9")


def test_a_write_returns_its_value_to_its_caller(group: GroupCommit) -> None:
    made = group.run(
        lambda: ConfirmationQuota.objects.create(email_key="returned", day=TODAY, used=3)
    )

    assert isinstance(made, ConfirmationQuota)
    assert made.pk is not None
    assert ConfirmationQuota.objects.get(pk=made.pk).used == 3
    assert stored_elsewhere("returned")


def test_a_write_runs_on_the_writer_thread_in_a_transaction(group: GroupCommit) -> None:
    seen = group.run(lambda: (threading.get_ident(), connection.in_atomic_block))

    assert seen[0] != threading.get_ident()
    assert seen[1] is True


def test_a_caller_in_a_transaction_runs_its_write_inline_and_rolls_it_back_with_its_own(
    group: GroupCommit,
) -> None:
    with transaction.atomic():
        thread = group.run(
            lambda: (
                ConfirmationQuota.objects.create(email_key="inline", day=TODAY, used=1),
                threading.get_ident(),
            )[1]
        )
        assert thread == threading.get_ident()
        assert ConfirmationQuota.objects.filter(email_key="inline").exists()
        assert not stored_elsewhere("inline")  # not committed: the caller's to commit
        transaction.set_rollback(True)

    assert not ConfirmationQuota.objects.filter(email_key="inline").exists()


def test_a_test_in_pytest_djangos_transaction_runs_writes_inline(db: None) -> None:
    group = GroupCommit("inline-only")

    key = group.run(
        lambda: ConfirmationQuota.objects.create(email_key="in-test", day=TODAY).email_key
    )

    assert key == "in-test"
    assert ConfirmationQuota.objects.filter(email_key="in-test").exists()


def test_a_failing_inline_write_raises_and_leaves_nothing(group: GroupCommit) -> None:
    refusal = Refused("no")

    def write() -> None:
        ConfirmationQuota.objects.create(email_key="inline-refused", day=TODAY)
        raise refusal

    with transaction.atomic():
        with pytest.raises(Refused) as raised:
            group.run(write)
        assert raised.value is refusal
        assert not ConfirmationQuota.objects.filter(email_key="inline-refused").exists()


def test_with_group_commit_off_a_write_runs_inline_in_a_transaction_of_its_own(
    group: GroupCommit, settings: Any
) -> None:
    settings.GROUP_COMMIT = False

    def write() -> tuple[int, bool]:
        ConfirmationQuota.objects.create(email_key="off", day=TODAY)
        return threading.get_ident(), connection.in_atomic_block

    assert group.run(write) == (threading.get_ident(), True)
    assert stored_elsewhere("off")

    def failing() -> None:
        ConfirmationQuota.objects.create(email_key="off-refused", day=TODAY)
        raise Refused("no")

    with pytest.raises(Refused):
        group.run(failing)
    assert not ConfirmationQuota.objects.filter(email_key="off-refused").exists()
