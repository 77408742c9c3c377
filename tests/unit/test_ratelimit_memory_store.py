"""The in-memory rate-limit store: `limits`' own moving window, swept inline at most once a second."""

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
    started = threading.active_count()
    limiter = RateLimiter(SweptMemoryStorage())
    for n in range(5):
        await asyncio.sleep(0.02)
        await limiter.hit("100/minute", "spaced", str(n))
    assert threading.active_count() <= started


def test_stores_leave_no_thread_behind() -> None:
    """Every runtime builds a store: a thread per store outlived the runtime (thousands in a test run)."""
    started = threading.active_count()
    for _ in range(20):
        asyncio.run(RateLimiter(SweptMemoryStorage()).hit("5/second", "k"))
    time.sleep(0.1)  # the stock constructor's own one-shot 10 ms timer ends
    assert threading.active_count() <= started


def test_the_sweep_frees_expired_windows_once_due(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SweptMemoryStorage, "SWEEP_SECONDS", 0.05)
    store = SweptMemoryStorage()
    limiter = RateLimiter(store)
    asyncio.run(limiter.hit("5/second", "short", "k"))
    time.sleep(1.1)  # the entry leaves its one-second window
    assert any(store.events.values())  # nothing swept between hits...
    asyncio.run(limiter.hit("5/second", "other", "k"))  # ...the next hit finds the sweep due
    assert [key for key, entries in store.events.items() if entries] == ["LIMITER/authward/other/k/5/1/second"]
