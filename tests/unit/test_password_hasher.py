"""security/passwords.py: hashes off the loop, and the memory handed back when the queue empties."""

from __future__ import annotations

import asyncio
import threading

from authward.security.passwords import PasswordHasher

CHEAP = {"time_cost": 1, "memory_kib": 64}


class IdleCalls:
    """Counts the hasher's idle calls and what it was doing at each: nothing may be queued then."""

    def __init__(self) -> None:
        self.hasher: PasswordHasher | None = None
        self.calls = 0
        self.queued_at_call: list[int] = []
        self.threads: set[str] = set()

    def __call__(self) -> None:
        assert self.hasher is not None
        self.calls += 1
        self.queued_at_call.append(self.hasher._queued)
        self.threads.add(threading.current_thread().name)


def hasher_with(idle: IdleCalls, threads: int = 2) -> PasswordHasher:
    hasher = PasswordHasher(**CHEAP, threads=threads, on_idle=idle)
    idle.hasher = hasher
    return hasher


async def test_a_lone_hash_releases_the_memory_once_done_on_the_pool_s_thread() -> None:
    idle = IdleCalls()
    hasher = hasher_with(idle)
    try:
        stored = await hasher.hash("correct horse")
        assert (await hasher.verify(stored, "correct horse")).ok
        assert not (await hasher.verify(stored, "wrong horse")).ok
    finally:
        hasher.close()
    assert idle.calls == 3
    assert idle.queued_at_call == [0, 0, 0]
    assert all(name.startswith("password-hash") for name in idle.threads)  # never on the event loop


async def test_a_busy_queue_keeps_its_memory_until_the_last_hash() -> None:
    """Twelve hashes on one thread queue up: the memory is released only when the last is done."""
    idle = IdleCalls()
    hasher = hasher_with(idle, threads=1)
    try:
        hashes = await asyncio.gather(*(hasher.hash(f"password {n}") for n in range(12)))
    finally:
        hasher.close()
    assert len(set(hashes)) == 12
    assert idle.calls < 12  # queued hashes did not each give the memory back
    assert idle.queued_at_call[-1] == 0
    assert all(queued == 0 for queued in idle.queued_at_call)


async def test_a_hash_cancelled_while_queued_still_lets_the_queue_empty() -> None:
    """A caller that goes away while its hash waits (a client hanging up) must not leave the count up:
    the memory would then never go back."""
    idle = IdleCalls()
    hasher = hasher_with(idle, threads=1)
    blocker = threading.Event()
    try:
        running = asyncio.ensure_future(hasher._in_pool(lambda _: blocker.wait(5), "x"))
        queued = asyncio.ensure_future(hasher.hash("never hashed"))
        await asyncio.sleep(0.05)
        queued.cancel()
        blocker.set()
        await running
        await asyncio.sleep(0.05)
        assert hasher._queued == 0
        assert idle.calls >= 1
        stored = await hasher.hash("after")  # still working
        assert (await hasher.verify(stored, "after")).ok
    finally:
        hasher.close()
