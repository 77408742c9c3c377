"""Rate limits (api/rate_limit.py, services/sign_in_attempts.py) on SQLite and PostgreSQL, memory and Redis."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from tests.integration.helpers import PASSWORD, assert_error, session_for, sign_up
from tests.support import IN_CI

REDIS_URL = os.environ.get("AUTHWARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PROXY = {"trusted_proxies": "127.0.0.1"}  # httpx's ASGI transport connects from 127.0.0.1


def from_ip(ip: str) -> dict[str, str]:
    return {"x-forwarded-for": ip}


async def wrong_password(client, email="ada@example.com", ip="10.0.0.1"):
    return await client.post("/signin/email-password", json={"email": email, "password": "wrong-password-1"},
                             headers=from_ip(ip))


@pytest.fixture
async def redis_url() -> str:
    """A reachable Redis; CI must have one (.ci/run starts it), elsewhere the test is skipped."""
    import coredis

    try:
        await coredis.Redis.from_url(REDIS_URL).ping()
    except Exception:
        if IN_CI:
            raise RuntimeError(f"CI=true but Redis is not reachable at {REDIS_URL}: Redis tests must run in CI")
        pytest.skip("Redis not reachable (runs in CI)")
    return REDIS_URL


async def test_password_guessing_from_one_ip_gets_429_with_headers(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_password_signin="5/5 minutes",
                               ratelimit_account_failures="100/minute", **PROXY)
    statuses = [(await wrong_password(client, f"u{i}@example.com")).status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]
    refused = await wrong_password(client)
    assert_error(refused, 429, "too-many-requests")
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["x-ratelimit-limit"] == "5"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) <= 300
    # another IP is not affected
    assert (await wrong_password(client, ip="10.0.0.2")).status_code == 401


async def test_answers_under_a_limit_carry_the_ratelimit_headers(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_password_signin="5/5 minutes")
    answer = await wrong_password(client)
    assert answer.headers["x-ratelimit-remaining"] == "4"


async def test_x_forwarded_for_is_ignored_from_an_untrusted_peer(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_password_signin="2/5 minutes")
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert (await wrong_password(client, ip=ip)).status_code == 401
    assert (await wrong_password(client, ip="10.0.0.3")).status_code == 429


async def test_an_account_under_attack_still_signs_in_from_a_known_ip(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_account_failures="5/5 minutes", **PROXY)
    await sign_up(client, "victim@example.com")
    owner = await client.post("/signin/email-password", json={"email": "victim@example.com", "password": PASSWORD},
                              headers=from_ip("192.0.2.1"))
    assert owner.status_code == 200
    # an attacker spreads guesses over new IPs: each IP stays under its own limit
    statuses = [(await wrong_password(client, "victim@example.com", ip=f"10.1.0.{i}")).status_code
                for i in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    right_from_new_ip = await client.post("/signin/email-password",
                                          json={"email": "victim@example.com", "password": PASSWORD},
                                          headers=from_ip("10.1.1.1"))
    assert_error(right_from_new_ip, 429, "too-many-requests")
    # the owner, from the IP they used before, is not locked out; nor are their own typos counted
    assert (await wrong_password(client, "victim@example.com", ip="192.0.2.1")).status_code == 401
    owner = await client.post("/signin/email-password", json={"email": "victim@example.com", "password": PASSWORD},
                              headers=from_ip("192.0.2.1"))
    assert owner.status_code == 200


async def _race(client, n: int = 50) -> list[int]:
    answers = await asyncio.gather(*[wrong_password(client, f"r{i}@example.com") for i in range(n)])
    return [a.status_code for a in answers]


async def test_a_parallel_burst_passes_exactly_the_limit(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_password_signin="7/5 minutes")
    statuses = await _race(client)
    assert statuses.count(429) == 43 and statuses.count(401) == 7


async def test_a_parallel_burst_passes_exactly_the_limit_on_redis(make_client, redis_url):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    first = await make_client(ratelimit_enabled=True, ratelimit_password_signin="7/5 minutes", redis_url=redis_url,
                              ratelimit_key_prefix=prefix)
    second = await make_client(ratelimit_enabled=True, ratelimit_password_signin="7/5 minutes", redis_url=redis_url,
                               ratelimit_key_prefix=prefix)
    answers = await asyncio.gather(_race(first, 25), _race(second, 25))  # two "processes" share the counters
    statuses = answers[0] + answers[1]
    assert statuses.count(401) == 7 and statuses.count(429) == 43


async def test_oauth_token_endpoint_answers_429_in_the_oauth_format(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_oauth_token="2/minute")
    for _ in range(2):
        assert (await client.post("/oauth/token", data={"grant_type": "nope"})).status_code != 429
    refused = await client.post("/oauth/token", data={"grant_type": "nope"})
    assert refused.status_code == 429
    assert refused.json()["error"] in ("temporarily_unavailable", "too_many_requests")
    assert "retry-after" in refused.headers


async def test_auth0_paths_are_limited(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_signup="1/minute", ratelimit_email="1/minute")
    body = {"client_id": "x", "email": "a@example.com", "password": PASSWORD, "connection": "c"}
    await client.post("/dbconnections/signup", json=body)
    assert (await client.post("/dbconnections/signup", json=body)).status_code == 429
    start = {"client_id": "x", "connection": "email", "email": "a@example.com", "send": "code"}
    await client.post("/passwordless/start", json=start)
    assert (await client.post("/passwordless/start", json=start)).status_code == 429


async def test_refresh_is_limited(make_client):
    client = await make_client(ratelimit_enabled=True, ratelimit_refresh="2/minute")
    session = await session_for(client)
    refresh = session["refreshToken"]
    for _ in range(2):
        answer = await client.post("/token", json={"refreshToken": refresh})
        assert answer.status_code == 200
        refresh = answer.json()["refreshToken"]
    assert_error(await client.post("/token", json={"refreshToken": refresh}), 429, "too-many-requests")


async def test_hot_reads_are_limited_only_by_the_opt_in_global_bucket(make_client):
    quiet = await make_client(ratelimit_enabled=True)
    token = (await session_for(quiet))["accessToken"]
    for _ in range(5):
        answer = await quiet.get("/user", headers={"authorization": f"Bearer {token}"})
        assert answer.status_code == 200 and "x-ratelimit-limit" not in answer.headers
    strict = await make_client(ratelimit_enabled=True, ratelimit_global_enabled=True, ratelimit_global="3/minute")
    statuses = [(await strict.get("/user", headers={"authorization": f"Bearer {token}"})).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


async def test_mails_to_one_address_are_capped(make_client, caplog):
    client = await make_client(ratelimit_enabled=True, ratelimit_address_sends="3/hour", ratelimit_email="100/hour")
    await sign_up(client, "mailed@example.com")
    for _ in range(6):
        answer = await client.post("/user/password/reset", json={"email": "mailed@example.com"})
        assert answer.status_code == 200  # the same answer: the cap tells nobody whether the address exists
    await client.core.background.drain()
    dropped = [r for r in caplog.records if "over its send limit" in r.getMessage()]
    assert len(dropped) == 3
