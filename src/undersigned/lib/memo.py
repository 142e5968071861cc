"""Values a process keeps for a second or so, to spare the database a read on every request."""

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")

MAX_ENTRIES = 10_000


class Memo(Generic[Key, Value]):
    """Loaded values by key, each kept for `seconds()` from when it was loaded.

    A value that fails to load (raises) is not kept. Safe for threads: two may load the
    same key at once, and the later one wins. Zero seconds keeps nothing.
    """

    def __init__(self, seconds: Callable[[], float]) -> None:
        self._seconds = seconds
        self._kept: dict[Key, tuple[float, Value]] = {}

    def get(self, key: Key, load: Callable[[], Value]) -> Value:
        seconds = self._seconds()
        if seconds <= 0:
            return load()
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = load()
        if len(self._kept) >= MAX_ENTRIES:
            self._kept.clear()
        self._kept[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        self._kept.clear()
