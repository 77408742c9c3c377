"""The in-memory rate-limit store: `limits`' own moving window, with its expiry sweep on one thread."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from authward.security.ratelimit import RateLimiter, SweptMemoryStorage, build_storage


def test_without_redis_the_store_is_the_swept_memory_store() -> None:
    assert isinstance(build_storage(None), SweptMemoryStorage)


async def test_the_moving_window_still_counts_and_refuses() -> None:
    limiter = RateLimiter(SweptMemoryStorage())
    verdicts = [await limiter.hit("3/minute", "ip", "203.0.113.7") for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[2].remaining == 0
    assert (await limiter.hit("3/minute", "ip", "203.0.113.8")).allowed  # another key, its own window


async def test_hits_spaced_out_start_no_thread() -> None:
    """The stock store started a Timer thread at nearly every hit more than 10 ms after the last one."""
    limiter = RateLimiter(SweptMemoryStorage())
    await limiter.hit("100/minute", "warm")
    started = threading.active_count()
    for n in range(5):
        await asyncio.sleep(0.02)
        await limiter.hit("100/minute", "spaced", str(n))
    assert threading.active_count() <= started


def test_the_sweep_frees_expired_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.05)
    store = SweptMemoryStorage()
    limiter = RateLimiter(store)
    asyncio.run(limiter.hit("5/second", "short", "k"))
    assert any(store.events.values())  # the window's entries are held...
    deadline = time.monotonic() + 5
    while any(store.events.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(store.events.values())  # ...and let go once they left the window
