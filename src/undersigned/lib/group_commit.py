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
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


@dataclass
class _Write(Generic[Result]):
    run: Callable[[], Result]
    done: threading.Event = field(default_factory=threading.Event)
    result: Result | None = None
    error: BaseException | None = None


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
        import os

        pid = os.getpid()
        if self._started_in == pid:
            return
        with self._lock:
            if self._started_in != pid:
                self._waiting = queue.SimpleQueue()
                thread = threading.Thread(target=self._write_forever, name=self.name, daemon=True)
                thread.start()
                self._started_in = pid

    def _write_forever(self) -> None:
        # The writer keeps its connection open for as long as it works: a connection per
        # batch would cost more than the batch (on SQLite, CONN_MAX_AGE is 0).
        waiting = self._waiting
        while True:
            batch = [waiting.get()]
            while len(batch) < settings.GROUP_COMMIT_MAX:
                try:
                    batch.append(waiting.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Write[Any]]) -> None:
        committed = threading.Event()
        try:
            with transaction.atomic():
                # The first of the commit's hooks: once it has run, every write is durable,
                # whatever a later hook (a cache delete, say) raises.
                transaction.on_commit(committed.set)
                for item in batch:
                    try:
                        with transaction.atomic():
                            item.result = item.run()
                    except Exception as error:  # the caller's to handle, as if run inline
                        item.error = error
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
