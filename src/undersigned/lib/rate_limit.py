"""Fixed-window rate limits kept in the cache: Redis when configured, otherwise a SQLite
file that every process of the machine shares (`MachineCache`), so that a limit holds
across the web server's processes, not per process."""

import time
from dataclasses import dataclass
from typing import Any

from diskcache import DjangoCache
from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` events per `window` seconds for one key, e.g. RateLimit.parse("20/h")."""

    name: str
    limit: int
    window: int

    @classmethod
    def parse(cls, name: str, rate: str) -> "RateLimit":
        count, _, unit = rate.partition("/")
        return cls(name=name, limit=int(count), window=_UNITS[unit])

    def hit(self, key: str) -> bool:
        """Record one event; True while the key is still within its limit."""
        return self.count(key) <= self.limit

    def peek(self, key: str) -> int:
        """How many events the key had in the current window, recording none."""
        used = cache.get(self._cache_key(key))
        return used if isinstance(used, int) else 0

    def _cache_key(self, key: str) -> str:
        return f"rl:{self.name}:{key}:{int(time.time()) // self.window}"

    def count(self, key: str) -> int:
        """Record one event; how many the key has had in the current window, this one too."""
        cache_key = self._cache_key(key)
        # incr() and add() are each atomic across processes, on Redis and on MachineCache
        # alike, so every hit is counted once. A key already counting this window (most
        # hits) takes one incr(), which keeps its expiry; the first hit adds it.
        try:
            return int(cache.incr(cache_key))
        except ValueError:  # not counting yet this window
            pass
        if cache.add(cache_key, 1, timeout=self.window + 1):
            return 1
        try:
            used = cache.incr(cache_key)  # another process added it a moment ago
        except ValueError:  # and it expired since
            cache.set(cache_key, 1, timeout=self.window + 1)
            used = 1
        return used


class MachineCache(DjangoCache):
    """diskcache's Django cache, keeping its connections open between requests.

    Django closes every cache when a request finishes; diskcache's close() closes its
    SQLite connections, and opening them again made each hit cost a millisecond. They are
    per thread and reopened after a fork, so keeping them is safe.
    """

    def close(self, **kwargs: Any) -> None:
        pass
