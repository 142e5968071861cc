"""Group commit: the writes of many threads of one process made durable by one commit.

A thread hands its write (a function that runs in a transaction) to the process's writer
and waits. The writer takes every write that is waiting, runs each in a savepoint of one
transaction, commits once, and only then wakes their threads with each one's result or
its own exception. A caller is answered only after the commit that holds its write has
returned, so an acknowledged write survives the process being killed at any moment, while
a hundred of them cost one flushed commit, and on SQLite one turn of the write lock, rather
than a hundred.

A write that fails rolls back its own savepoint only; a commit that fails fails every
write of its batch. Writes are run inline, in a transaction of their own, where batching
cannot apply: with GROUP_COMMIT off, and for a caller already inside a transaction (a
test, a command that groups writes itself), whose commit is not the writer's to make.
"""

import logging
import os
import queue
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
Key = TypeVar("Key", bound=Hashable)
Amount = TypeVar("Amount", bound="Addable")


class Addable(Protocol):
    def __add__(self: Amount, other: Amount, /) -> Amount: ...


Flush = Callable[[list[tuple[Any, Any]]], None]


class _Batch:
    """What the writes of the batch under way held back (see `hold_back`): each write's
    own amounts until it succeeds, then the batch's."""

    def __init__(self) -> None:
        self.held: dict[Flush, dict[Any, Any]] = {}
        self.item: dict[Flush, dict[Any, Any]] = {}

    def keep_item(self) -> None:
        for flush, amounts in self.item.items():
            kept = self.held.setdefault(flush, {})
            for key, amount in amounts.items():
                kept[key] = kept[key] + amount if key in kept else amount
        self.item = {}

    def flush(self) -> None:
        for flush, amounts in self.held.items():
            flush(sorted(amounts.items()))


_writing = threading.local()


def hold_back(key: Key, amount: Amount, flush: Callable[[list[tuple[Key, Amount]]], None]) -> bool:
    """Inside a batch, add `amount` under `key` to what `flush` writes once, at the end of
    the batch, with every key in order, and return True; outside one, return False (the
    caller writes at once).

    Adding to a hot row once a batch rather than once a write costs less, and taking the
    rows in one order keeps two batches of two processes from deadlocking, each holding a
    row the other waits for. A write that fails has its amounts dropped with its savepoint.
    """
    batch: _Batch | None = getattr(_writing, "batch", None)
    if batch is None:
        return False
    amounts = batch.item.setdefault(flush, {})
    amounts[key] = amounts[key] + amount if key in amounts else amount
    return True


@dataclass
class _Write(Generic[Result]):
    run: Callable[[], Result]
    done: threading.Event = field(default_factory=threading.Event)
    result: Result | None = None
    error: BaseException | None = None


def _CLOSE() -> None:
    """Not a write: tells the writer to close its connection (GroupCommit.close_connection)."""


class GroupCommit:
    """One writer thread for this process, started on first use (and again after a fork,
    since a forked child has none of its parent's threads)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._waiting: queue.SimpleQueue[_Write[Any]] = queue.SimpleQueue()
        self._started_in: int | None = None
        self._lock = threading.Lock()

    def run(self, write: Callable[[], Result]) -> Result:
        """Run `write` in a transaction and return once it is committed."""
        if not settings.GROUP_COMMIT or connection.in_atomic_block:
            with transaction.atomic():
                return write()
        item: _Write[Result] = _Write(write)
        self._ensure_writer()
        self._waiting.put(item)
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result  # type: ignore[return-value]  # set, since there was no error

    def _ensure_writer(self) -> None:
        pid = os.getpid()
        if self._started_in == pid:
            return
        with self._lock:
            if self._started_in != pid:
                self._waiting = queue.SimpleQueue()
                thread = threading.Thread(target=self._write_forever, name=self.name, daemon=True)
                thread.start()
                self._started_in = pid

    def close_connection(self) -> None:
        """Have the writer close its database connection, if it has one, and wait for it
        (before the database goes away: at the end of a test run, say). The next write
        opens a new one."""
        if self._started_in == os.getpid():
            item: _Write[None] = _Write(_CLOSE)
            self._waiting.put(item)
            item.done.wait()

    def _write_forever(self) -> None:
        # The writer keeps its connection open for as long as it works: a connection per
        # batch would cost more than the batch.
        waiting = self._waiting
        while True:
            batch = [waiting.get()]
            while len(batch) < settings.GROUP_COMMIT_MAX:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            closes = [item for item in batch if item.run is _CLOSE]
            if writes := [item for item in batch if item.run is not _CLOSE]:
                self._commit(writes)
            for item in closes:
                connection.close()
                item.done.set()

    def _commit(self, batch: list[_Write[Any]]) -> None:
        committed = threading.Event()
        try:
            with transaction.atomic():
                # The first of the commit's hooks: once it has run, every write is durable,
                # whatever a later hook (a cache delete, say) raises.
                transaction.on_commit(committed.set)
                held = _writing.batch = _Batch()
                try:
                    for item in batch:
                        try:
                            with transaction.atomic():
                                item.result = item.run()
                        except Exception as error:  # the caller's to handle, as if inline
                            item.error = error
                            held.item = {}
                        else:
                            held.keep_item()
                finally:
                    _writing.batch = None
                held.flush()
        except Exception as error:
            if committed.is_set():
                logger.exception("After a group commit of %d write(s), a hook failed.", len(batch))
            else:
                logger.exception("A group commit of %d write(s) failed.", len(batch))
                for item in batch:
                    item.error = item.error or error
                connection.close()  # the next batch starts on a new one
        finally:
            for item in batch:
                item.done.set()
