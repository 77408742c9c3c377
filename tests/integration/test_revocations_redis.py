"""The revocation stream in Redis: a cutoff written by one instance is followed by the others (security/revocations.py)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from authward.security.revocations import Revocations
from tests.integration.test_rate_limits import redis_url  # noqa: F401 - the fixture

pytestmark = pytest.mark.serial  # a follower hears a cutoff within a wall-clock bound


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:  # noqa: F811
    name = f"authward-test-{uuid.uuid4().hex[:8]}"
    yield name
    import coredis

    await coredis.Redis.from_url(redis_url).delete([f"{name}:revocations"])


async def test_a_cutoff_reaches_a_follower_and_a_late_starter(redis_url: str, prefix: str) -> None:  # noqa: F811
    one, other = Revocations(redis_url, prefix), Revocations(redis_url, prefix)
    try:
        assert one.shared
        await other.follow()  # caught up: nothing yet
        token = {"sub": "ada", "iat": int(time.time())}
        await one.revoke_user("ada")
        assert one.refusal(token) == "disabled"  # here at once
        started = time.monotonic()
        await other.follow()  # the blocking read returns with the entry
        assert other.refusal(token) == "disabled"
        assert time.monotonic() - started < 0.4
        late = Revocations(redis_url, prefix)  # an instance starting later reads the stream first
        try:
            await late.follow()
            assert late.refusal(token) == "disabled"
            assert late.refusal({"sub": "grace", "iat": int(time.time())}) is None
            await one.restore_user("ada")  # enabled again: the cutoff goes everywhere
            await late.follow()
            assert late.refusal(token) is None
        finally:
            await late.aclose()
    finally:
        await one.aclose()
        await other.aclose()


async def test_an_unreachable_redis_keeps_the_cutoff_local() -> None:
    revocations = Revocations("redis://127.0.0.1:1/0", "authward-test-down")
    try:
        await revocations.revoke_user("ada")  # logged, not raised
        assert revocations.refusal({"sub": "ada", "iat": int(time.time())}) == "disabled"
        assert await revocations.follow() == 0
    finally:
        await revocations.aclose()
