"""Password hashing: argon2id with explicit OWASP parameters, off the event loop.

bcrypt hashes (imported users) are accepted and upgraded to argon2id on the next sign-in.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import bcrypt
from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from authward.memory import release_free_memory

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
T = TypeVar("T")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    new_hash: str | None = None  # set when the stored hash should be replaced (params changed, bcrypt)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, as `taskset` or a container sets it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class PasswordHasher:
    """Hash and verify passwords in a bounded thread pool so a sign-in never stalls the loop.

    While hashes follow one another, malloc keeps each one's memory for the next (authward/memory.py);
    when the last queued hash is done, `on_idle` gives the free memory back to the system.
    """

    def __init__(self, time_cost: int = 2, memory_kib: int = 19_456, parallelism: int = 1,
                 threads: int | None = None, on_idle: Callable[[], object] = release_free_memory):
        self._argon2 = Argon2Hasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, hash_len=32, salt_len=16,
            type=Type.ID,
        )
        # Hashing is CPU-bound C code that releases the GIL: one thread per core this process may use
        # is all the throughput there is, and each running hash holds `memory_kib` of memory.
        self._pool = ThreadPoolExecutor(max_workers=threads or usable_cores(), thread_name_prefix="password-hash")
        self._dummy_hash: str | None = None
        self._on_idle = on_idle
        self._queued = 0  # hashes submitted and not finished (the pool's threads and the loop count them)
        self._queued_lock = threading.Lock()

    def hash_sync(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify_sync(self, stored_hash: str, password: str) -> VerifyResult:
        if stored_hash.startswith(BCRYPT_PREFIXES):
            return self._verify_bcrypt(stored_hash, password)
        try:
            self._argon2.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return VerifyResult(False)
        if self._argon2.check_needs_rehash(stored_hash):
            return VerifyResult(True, self._argon2.hash(password))
        return VerifyResult(True)

    def _verify_bcrypt(self, stored_hash: str, password: str) -> VerifyResult:
        encoded = password.encode()
        # bcrypt silently ignores bytes past 72; refuse such passwords rather than truncate them.
        if len(encoded) > 72:
            return VerifyResult(False)
        try:
            ok = bcrypt.checkpw(encoded, stored_hash.encode())
        except ValueError:
            return VerifyResult(False)
        return VerifyResult(ok, self._argon2.hash(password) if ok else None)

    async def _in_pool(self, work: Callable[..., T], *args: str) -> T:
        with self._queued_lock:
            self._queued += 1
        try:
            job = self._pool.submit(self._counted, work, *args)
        except BaseException:
            self._finished()
            raise
        job.add_done_callback(self._if_cancelled)  # the caller went away while its hash was queued
        return await asyncio.wrap_future(job)

    def _counted(self, work: Callable[..., T], *args: str) -> T:
        try:
            return work(*args)
        finally:
            self._finished()

    def _if_cancelled(self, job: Future[Any]) -> None:
        if job.cancelled():  # never ran, so `_counted` did not count it out
            self._finished()

    def _finished(self) -> None:
        """The last of the queue hands the memory back: on the pool's thread, after its hash."""
        with self._queued_lock:
            self._queued -= 1
            idle = self._queued == 0
        if idle:
            self._on_idle()

    async def hash(self, password: str) -> str:
        return await self._in_pool(self.hash_sync, password)

    async def verify(self, stored_hash: str | None, password: str) -> VerifyResult:
        """Verify; with no stored hash, burn the same time on a dummy so timing tells nothing."""
        if stored_hash is None:
            stored_hash = await self._dummy()
            await self._in_pool(self.verify_sync, stored_hash, password)
            return VerifyResult(False)
        return await self._in_pool(self.verify_sync, stored_hash, password)

    async def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("authward-dummy-password-for-timing")
        return self._dummy_hash

    async def warm_up(self) -> None:
        await self._dummy()

    def close(self) -> None:
        self._pool.shutdown(wait=False)
