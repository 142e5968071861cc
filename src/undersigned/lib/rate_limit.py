"""Fixed-window rate limits kept in the cache (local memory, or Redis when configured)."""

import time
from dataclasses import dataclass

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
        window_start = int(time.time()) // self.window
        cache_key = f"rl:{self.name}:{key}:{window_start}"
        # add() then incr() is atomic on Redis and within one process on local memory.
        cache.add(cache_key, 0, timeout=self.window + 1)
        try:
            used = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=self.window + 1)
            used = 1
        return used <= self.limit
