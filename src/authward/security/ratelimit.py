"""Moving-window rate limits on the `limits` library: in memory, or in Redis when several processes share them.

`RateLimiter.hit(rate, *key)` counts one request and says whether it may pass; the moving window is atomic
in both stores (one Lua script in Redis; in memory, `limits`' synchronous store called on the event loop,
so nothing else runs between the check and the count), so a burst of parallel requests cannot pass a limit
by racing. The memory store is the synchronous one because the asyncio one hands every hit's expiry sweep
to a worker thread (a thread round trip per request, measured in `make bench`). A store that cannot be
reached lets requests pass (logged): an outage of Redis must not become an outage of sign-in.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, WindowStats, parse
from limits import storage as sync_storage
from limits import strategies as sync_strategies
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from authward.observability import metrics

log = logging.getLogger("authward")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the oldest counted request leaves the window

    def headers(self, now: float | None = None) -> dict[str, str]:
        """`X-RateLimit-*` (Reset in seconds from now), and `Retry-After` when refused."""
        reset = max(1, int(self.reset_at - (now if now is not None else time.time()) + 0.999))
        values = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                  "X-RateLimit-Reset": str(reset)}
        if not self.allowed:
            values["Retry-After"] = str(reset)
        return values


@lru_cache(maxsize=128)
def parse_rate(rate: str) -> RateLimitItem:
    return parse(rate)


class SweptMemoryStorage(sync_storage.MemoryStorage):
    """`limits`' memory store that sweeps expired windows at most once a second, inline, with no thread.

    The stock store starts a new `threading.Timer` (10 ms) at a hit whenever the last one has ended: a
    thread created and started on the event loop at nearly every request of a route hit less than a
    hundred times a second (measured: ~1 ms per such hit on a loaded core, against 30 us). The sweep
    only frees memory (windows are counted by timestamp), so sweeping once a second changes no verdict;
    doing it at the hit that finds it due keeps no thread alive past the store (one per runtime).
    """

    SWEEP_SECONDS = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._next_sweep = time.monotonic() + self.SWEEP_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:  # the stock store's private hook, called at each hit
        """Sweep when a second has passed since the last sweep; otherwise nothing."""
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.SWEEP_SECONDS
        self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


def build_storage(redis_url: str | None) -> Storage | sync_storage.Storage:
    if not redis_url:
        return SweptMemoryStorage()
    url = redis_url if redis_url.startswith("async+") else f"async+{redis_url}"
    storage = storage_from_string(url)
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    def __init__(self, storage: Storage | sync_storage.Storage, prefix: str = "authward") -> None:
        self._storage = storage
        self._in_memory: sync_strategies.MovingWindowRateLimiter | None = None
        self._strategy: MovingWindowRateLimiter | None = None
        if isinstance(storage, sync_storage.Storage):
            self._in_memory = sync_strategies.MovingWindowRateLimiter(storage)
        else:
            self._strategy = MovingWindowRateLimiter(storage)
        self._prefix = prefix

    async def _hit(self, item: RateLimitItem, *key: str) -> tuple[bool, WindowStats]:
        if self._in_memory is not None:
            allowed = self._in_memory.hit(item, self._prefix, *key)
            return allowed, self._in_memory.get_window_stats(item, self._prefix, *key)
        assert self._strategy is not None
        allowed = await self._strategy.hit(item, self._prefix, *key)
        return allowed, await self._strategy.get_window_stats(item, self._prefix, *key)

    async def hit(self, rate: str, *key: str) -> Verdict:
        """Count one request against `rate` for `key`; refused requests are not counted."""
        item = parse_rate(rate)
        try:
            allowed, stats = await self._hit(item, *key)
        except Exception as exc:  # the store is down: fail open, loudly
            log.warning("rate limit store unreachable (%s): request let through", exc)
            return Verdict(True, item.amount, item.amount, time.time() + item.get_expiry())
        if not allowed:
            metrics.rate_limited(key[1] if key[0] == "ip" and len(key) > 1 else key[0])
        return Verdict(allowed, item.amount, max(0, stats.remaining), stats.reset_time)

    async def test(self, rate: str, *key: str) -> bool:
        """Whether one more request would pass, counting nothing."""
        try:
            if self._in_memory is not None:
                return self._in_memory.test(parse_rate(rate), self._prefix, *key)
            assert self._strategy is not None
            return await self._strategy.test(parse_rate(rate), self._prefix, *key)
        except Exception as exc:
            log.warning("rate limit store unreachable (%s): request let through", exc)
            return True

    async def store_answers(self) -> bool:
        """Whether the counters' store answers (a PING to Redis; the in-memory store always does)."""
        if self._in_memory is not None:
            return True
        assert isinstance(self._storage, Storage)
        try:
            return await self._storage.check()
        except Exception:
            return False

    async def clear(self, rate: str, *key: str) -> None:
        try:
            if self._in_memory is not None:
                self._in_memory.clear(parse_rate(rate), self._prefix, *key)
                return
            assert self._strategy is not None
            await self._strategy.clear(parse_rate(rate), self._prefix, *key)
        except Exception as exc:  # pragma: no cover - store down
            log.warning("rate limit store unreachable (%s)", exc)
