"""Two `authward serve` processes on one PostgreSQL and one Redis, behind Debian's nginx (issue 18).

"On one, then on the other" steps address each instance by its own port, so which instance answered
is known, not assumed; load goes through nginx's round-robin, whose `X-Upstream` header names the
instance behind every answer. The instances share the database, `AUTHWARD_SECRET_KEY`,
`AUTHWARD_REDIS_URL` and the public URL (the tokens' issuer); each has a pool of 3 connections.
The tests run in file order: the SIGKILL one kills instance A, and the metrics one scrapes B after it.
docs/production.md ("Several instances") names the guarantee each test holds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import jwt
import pyotp
import pytest
from sqlalchemy import select

from authward.security.secrets_at_rest import hash_secret
from authward.storage.db import Database
from authward.storage.migrate import upgrade
from authward.storage.models import RefreshToken
from tests.e2e.conftest import LiveServer, free_port, start_server
from tests.e2e.nginx import UPSTREAM_HEADER, Nginx, nginx_binary, start_nginx
from tests.support import IN_CI, create_postgres_database, drop_postgres_database

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.serial]  # documented time bounds

PASSWORD = "correct horse battery staple"
ADMIN_SECRET = "two-instances-admin-secret"
REDIS_URL = os.environ.get("AUTHWARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
KEY_CACHE_SECONDS = 2  # AUTHWARD_KEY_CACHE_SECONDS: the bound on a rotation reaching the other JWKS
REVOCATION_BOUND_SECONDS = 1.0  # docs/production.md: a disabled user, with Redis
EMAIL_LIMIT = 4  # AUTHWARD_RATELIMIT_EMAIL, per IP, counted in Redis by both instances


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    proxy: Nginx
    database_url: str

    def address(self, server: LiveServer) -> str:
        return server.url.removeprefix("http://")


async def _redis_ok() -> bool:
    import coredis

    try:
        await coredis.Redis.from_url(REDIS_URL).ping()
    except Exception:
        return False
    return True


@pytest.fixture(scope="module")
async def cluster(tmp_path_factory: pytest.TempPathFactory, _postgres_ok: bool) -> AsyncIterator[Cluster]:
    nginx_binary()  # fails in CI, skips elsewhere, when nginx is missing
    if not _postgres_ok:
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    if not await _redis_ok():
        if IN_CI:
            pytest.fail(f"CI=true but Redis is not reachable at {REDIS_URL}")
        pytest.skip("Redis not reachable (runs in CI)")
    root = tmp_path_factory.mktemp("two-instances")
    database_url = await create_postgres_database()
    proxy_port = free_port()
    prefix = f"authward-twoinst-{uuid.uuid4().hex[:8]}"  # this run's counters and revocations only
    settings = {
        "public_url": f"http://127.0.0.1:{proxy_port}",  # one issuer for both
        "redis_url": REDIS_URL,
        "database_pool_size": 3,
        "metrics_enabled": True,
        "admin_secret": ADMIN_SECRET,
        "refresh_token_reuse_interval": 0,
        "key_cache_seconds": KEY_CACHE_SECONDS,
        "sms_passwordless_enabled": True,
        "ratelimit_enabled": True,
        "ratelimit_key_prefix": prefix,
        "ratelimit_email": f"{EMAIL_LIMIT}/5 minutes",
        "ratelimit_signup": "1000/minute",
        "ratelimit_password_signin": "1000/minute",
        "ratelimit_refresh": "10000/minute",
    }
    servers: list[LiveServer] = []
    proxy: Nginx | None = None
    try:
        # migrated once, here, so the two start side by side (each finds the schema current)
        await asyncio.to_thread(upgrade, database_url)
        with ThreadPoolExecutor(2) as pool:
            starting = [pool.submit(start_server, root / name, database_url, **settings) for name in ("a", "b")]
        servers.extend(future.result() for future in starting if future.exception() is None)  # stopped below
        a, b = (future.result() for future in starting)  # raises the failure of one that did not start
        proxy = start_nginx(root / "nginx", proxy_port, [a.url.removeprefix("http://"), b.url.removeprefix("http://")])
        yield Cluster(a, b, proxy, database_url)
    finally:
        if proxy is not None:
            proxy.stop()
        for server in servers:
            server.stop()
        await drop_postgres_database(database_url)
        import coredis

        await coredis.Redis.from_url(REDIS_URL).delete([f"{prefix}:revocations"])


# -- small steps, each on the instance named
def sign_up(server: LiveServer, email: str) -> dict:
    answer = httpx.post(f"{server.url}/signup/email-password", json={"email": email, "password": PASSWORD}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["session"]


def sign_in(server: LiveServer, email: str, password: str = PASSWORD) -> httpx.Response:
    return httpx.post(f"{server.url}/signin/email-password", json={"email": email, "password": password}, timeout=30)


def refresh(server: LiveServer, token: str) -> httpx.Response:
    return httpx.post(f"{server.url}/token", json={"refreshToken": token}, timeout=30)


def verify(server: LiveServer, access_token: str) -> int:
    return httpx.post(f"{server.url}/token/verify", json={"token": access_token}, timeout=30).status_code


def get_user(server: LiveServer, access_token: str) -> httpx.Response:
    return httpx.get(f"{server.url}/user", headers={"Authorization": f"Bearer {access_token}"}, timeout=30)


def admin(server: LiveServer, path: str) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", headers={"x-authward-admin-secret": ADMIN_SECRET}, timeout=30)


def kid_of(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def jwks_kids(server: LiveServer) -> set[str]:
    return {key["kid"] for key in httpx.get(f"{server.url}/.well-known/jwks.json", timeout=30).json()["keys"]}


# -- the scenarios
def test_nginx_balances_round_robin_over_both_instances(cluster: Cluster) -> None:
    seen = [httpx.get(f"{cluster.proxy.url}/healthz", timeout=10).headers[UPSTREAM_HEADER] for _ in range(6)]
    assert set(seen) == {cluster.address(cluster.a), cluster.address(cluster.b)}, seen
    assert all(seen[i] != seen[i + 1] for i in range(len(seen) - 1)), seen


def test_sign_up_on_one_and_sign_in_on_the_other(cluster: Cluster) -> None:
    session = sign_up(cluster.a, "across@example.com")
    signed_in = sign_in(cluster.b, "across@example.com")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["session"]["user"]["id"] == session["user"]["id"]
    assert get_user(cluster.a, signed_in.json()["session"]["accessToken"]).json()["email"] == "across@example.com"
    assert get_user(cluster.b, session["accessToken"]).status_code == 200


def test_refreshes_alternate_between_the_instances(cluster: Cluster) -> None:
    token = sign_up(cluster.a, "alternate@example.com")["refreshToken"]
    spent = []
    for server, other in [(cluster.a, cluster.b), (cluster.b, cluster.a)] * 3:
        answer = refresh(server, token)
        assert answer.status_code == 200, answer.text
        spent.append(token)
        token = answer.json()["refreshToken"]
        assert get_user(other, answer.json()["accessToken"]).status_code == 200
    assert len(set(spent)) == len(spent)
    assert refresh(cluster.b, token).status_code == 200  # the family is still live after six rotations


async def test_one_refresh_token_raced_across_both_wins_exactly_once(cluster: Cluster) -> None:
    token = sign_up(cluster.a, "race@example.com")["refreshToken"]
    async with httpx.AsyncClient(timeout=60) as http:
        answers = await asyncio.gather(*[
            http.post(f"{server.url}/token", json={"refreshToken": token})
            for server in [cluster.a, cluster.b] * 8
        ])
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 1, statuses
    assert all(a.json()["error"] == "invalid-refresh-token" for a in answers if a.status_code != 200)
    (winner,) = [a.json()["refreshToken"] for a in answers if a.status_code == 200]
    # with the reuse interval at 0 the losers were reuses: the whole family is revoked, on both instances
    assert refresh(cluster.b, winner).status_code == 401
    assert refresh(cluster.a, winner).status_code == 401


def test_a_key_rotated_on_one_is_served_and_accepted_by_the_other(cluster: Cluster) -> None:
    sign_up(cluster.a, "keys@example.com")
    before = sign_in(cluster.b, "keys@example.com").json()["session"]["accessToken"]
    old_kid = kid_of(before)
    rotated = admin(cluster.a, "/admin/keys/rotate")
    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["kid"]
    started = time.monotonic()

    # A signs with the new key at once, and B accepts its tokens at once (an unknown kid reloads B's keys)
    after_a = sign_in(cluster.a, "keys@example.com").json()["session"]["accessToken"]
    assert kid_of(after_a) == new_kid
    assert verify(cluster.b, after_a) == 200
    assert verify(cluster.a, before) == 200  # tokens of the retired key stay valid everywhere
    # B's JWKS names the new key, and B signs with it, within key_cache_seconds (its reload job's period)
    while new_kid not in jwks_kids(cluster.b):
        assert time.monotonic() - started < KEY_CACHE_SECONDS + 1, "B's JWKS never named the rotated key"
        time.sleep(0.1)
    assert old_kid in jwks_kids(cluster.b)  # the retired key stays until its tokens have expired
    after_b = sign_in(cluster.b, "keys@example.com").json()["session"]["accessToken"]
    assert kid_of(after_b) == new_kid


def test_a_rate_limit_is_counted_across_both(cluster: Cluster) -> None:
    sign_up(cluster.a, "limited@example.com")  # one reset mails a real account (a delivery on B)
    emails = ["limited@example.com"] + [f"nobody-{i}@example.com" for i in range(EMAIL_LIMIT + 1)]
    statuses = []
    for i, email in enumerate(emails):
        name, server = ("b", cluster.b) if i % 2 == 0 else ("a", cluster.a)
        answer = httpx.post(f"{server.url}/user/password/reset", json={"email": email}, timeout=30)
        statuses.append((name, answer.status_code))
        if answer.status_code == 429:
            assert answer.json()["error"] == "too-many-requests"
    # half the requests went to each instance: alone, neither would have reached the limit
    assert statuses == [("b", 200), ("a", 200), ("b", 200), ("a", 200), ("b", 429), ("a", 429)], statuses


def test_a_totp_code_replayed_on_the_other_is_refused(cluster: Cluster) -> None:
    session = sign_up(cluster.a, "totp@example.com")
    auth = {"Authorization": f"Bearer {session['accessToken']}"}
    setup = httpx.get(f"{cluster.a.url}/mfa/totp/generate", headers=auth, timeout=30).json()
    totp = pyotp.TOTP(setup["totpSecret"])
    started = time.time()
    activated = httpx.post(f"{cluster.a.url}/user/mfa", json={"code": totp.at(started), "activeMfaType": "totp"},
                           headers=auth, timeout=30)
    assert activated.status_code == 200, activated.text
    code = totp.at(started + 30)  # the next step's code (accepted once, within the one step of skew)

    first = sign_in(cluster.a, "totp@example.com").json()["mfa"]["ticket"]
    done = httpx.post(f"{cluster.a.url}/signin/mfa/totp", json={"ticket": first, "otp": code}, timeout=30)
    assert done.status_code == 200, done.text
    second = sign_in(cluster.b, "totp@example.com").json()["mfa"]["ticket"]
    replay = httpx.post(f"{cluster.b.url}/signin/mfa/totp", json={"ticket": second, "otp": code}, timeout=30)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid-totp", replay.text
    # the MFA ticket was single-use too: the one redeemed on A is refused on B
    again = httpx.post(f"{cluster.b.url}/signin/mfa/totp", json={"ticket": first, "otp": code}, timeout=30)
    assert again.status_code == 401, again.text


def test_a_user_disabled_on_one_is_refused_on_the_other_within_the_bound(cluster: Cluster) -> None:
    session = sign_up(cluster.a, "disabled@example.com")
    access = session["accessToken"]
    assert verify(cluster.b, access) == 200  # now in B's verified-token cache
    assert get_user(cluster.b, access).status_code == 200
    disabled = admin(cluster.a, f"/admin/users/{session['user']['id']}/disable")
    assert disabled.status_code == 200, disabled.text
    started = time.monotonic()
    assert verify(cluster.a, access) == 401  # the instance that disabled: at once
    while verify(cluster.b, access) != 401:
        assert time.monotonic() - started < REVOCATION_BOUND_SECONDS, "B still accepts the disabled user's token"
        time.sleep(0.02)
    # what reads the user row refuses at once on every instance, with or without Redis
    refused = get_user(cluster.b, access)
    assert refused.status_code == 401 and refused.json()["error"] == "disabled-user", refused.text
    assert refresh(cluster.b, session["refreshToken"]).json()["error"] == "disabled-user"
    assert sign_in(cluster.b, "disabled@example.com").json()["error"] == "disabled-user"


@dataclass
class Chain:
    """One client's session under load: its last acknowledged refresh token, and whether a later use failed."""

    email: str
    token: str
    in_doubt: bool = False  # the last use of `token` got no answer (the instance died with it)


@dataclass
class Load:
    signed_up: list[str] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    failures: list[tuple[str, float, str]] = field(default_factory=list)  # (what, started at, outcome)
    served: list[tuple[float, str]] = field(default_factory=list)  # (started at, X-Upstream) of every 2xx


CLIENTS = 4
REFRESHES_PER_CHAIN = 4


async def _drive(proxy: Nginx, n: int, load: Load, stop: asyncio.Event) -> None:
    """Sign up, then refresh a few times, again and again; every acknowledged answer is recorded."""
    async with httpx.AsyncClient(base_url=proxy.url, timeout=30) as http:
        for i in range(10_000):
            if stop.is_set():
                return
            email = f"load-{n}-{i}@example.com"
            started = time.monotonic()
            try:
                answer = await http.post("/signup/email-password", json={"email": email, "password": PASSWORD})
            except httpx.HTTPError as exc:
                load.failures.append(("signup", started, repr(exc)))
                continue
            if answer.status_code != 200:
                load.failures.append(("signup", started, str(answer.status_code)))
                continue
            load.served.append((started, answer.headers[UPSTREAM_HEADER]))
            load.signed_up.append(email)
            chain = Chain(email, answer.json()["session"]["refreshToken"])
            load.chains.append(chain)
            for _ in range(REFRESHES_PER_CHAIN):
                if stop.is_set():
                    return
                started = time.monotonic()
                try:
                    answer = await http.post("/token", json={"refreshToken": chain.token})
                except httpx.HTTPError as exc:
                    chain.in_doubt = True
                    load.failures.append(("refresh", started, repr(exc)))
                    break
                if answer.status_code != 200:
                    chain.in_doubt = True
                    load.failures.append(("refresh", started, str(answer.status_code)))
                    break
                load.served.append((started, answer.headers[UPSTREAM_HEADER]))
                chain.token = answer.json()["refreshToken"]


async def _token_row(db: Database, token: str) -> tuple[str, bool]:
    """The status of a refresh token's row, and whether a successor of it was written."""
    async with db.read() as session:
        row = (await session.scalars(select(RefreshToken).where(RefreshToken.token_hash == hash_secret(token)))).one()
        child = (await session.scalars(select(RefreshToken.id).where(RefreshToken.parent_id == row.id))).first()
    return row.status, child is not None


async def test_one_instance_killed_mid_load_loses_nothing_acknowledged(cluster: Cluster) -> None:
    load, stop = Load(), asyncio.Event()
    clients = [asyncio.create_task(_drive(cluster.proxy, n, load, stop)) for n in range(CLIENTS)]
    while len(load.served) < 20:  # both instances busy
        await asyncio.sleep(0.05)
        assert not any(task.done() for task in clients), [task.exception() for task in clients if task.done()]
    os.kill(cluster.a.process.pid, signal.SIGKILL)
    # gone for good before the clock starts (a blocking wait of milliseconds: the load is in flight meanwhile)
    assert cluster.a.process.wait(timeout=10) == -signal.SIGKILL
    killed_at = time.monotonic()
    while len([s for s in load.served if s[0] > killed_at]) < 20:  # and the load goes on
        await asyncio.sleep(0.05)
        assert time.monotonic() - killed_at < 30, f"the load stalled after the kill: {load.failures}"
    stop.set()
    await asyncio.gather(*clients)

    a, b = cluster.address(cluster.a), cluster.address(cluster.b)
    assert {upstream for started, upstream in load.served if started < killed_at} == {a, b}
    # after the kill, only B answered (a request nginx first tried on A shows "A, B": B answered it)
    assert all(upstream.split(", ")[-1] == b for started, upstream in load.served if started > killed_at)
    # what failed was in flight on A when it died: at most one request per client, answered 502 by nginx
    assert len(load.failures) <= CLIENTS, load.failures
    assert all(outcome == "502" for _, _, outcome in load.failures), load.failures
    assert all(started < killed_at for _, started, _ in load.failures), load.failures

    # every acknowledged sign-up signs in on the survivor
    for email in load.signed_up:
        answer = sign_in(cluster.b, email)
        assert answer.status_code == 200, (email, answer.text)
    # every acknowledged refresh token is usable exactly once
    db = Database(cluster.database_url)
    try:
        rows = [await _token_row(db, chain.token) for chain in load.chains]
    finally:
        await db.dispose()
    for chain, (status, has_successor) in zip(load.chains, rows, strict=True):
        if chain.in_doubt and status == "rotated":
            # A committed the rotation and died before answering: the successor exists, the client
            # never saw it; presenting the token again is a reuse
            assert has_successor
            assert refresh(cluster.b, chain.token).status_code == 401
            continue
        assert status == "active", (chain, status)
        assert refresh(cluster.b, chain.token).status_code == 200, chain
        assert refresh(cluster.b, chain.token).status_code == 401, chain
    assert "Traceback" not in cluster.b.log()


SERIES = [  # issue 18's list, as docs/production.md#metrics names them
    "authward_http_requests", "authward_http_request_duration_seconds", "authward_sign_ins",
    "authward_tokens_issued", "authward_refresh_reuse_detected", "authward_rate_limited", "authward_deliveries",
    "authward_outbox_pending", "authward_db_pool_in_use", "authward_db_pool_size",
]


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    from prometheus_client.parser import text_string_to_metric_families

    return [(sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text) for sample in family.samples]


def test_metrics_of_the_survivor_show_the_listed_series(cluster: Cluster) -> None:
    survivor = cluster.b
    assert sign_in(survivor, "across@example.com", "a-wrong-password-1").status_code == 401
    first = sign_up(survivor, "reuse@example.com")["refreshToken"]
    assert refresh(survivor, first).status_code == 200
    assert refresh(survivor, first).status_code == 401  # a reuse, detected on the survivor
    sms = httpx.post(f"{survivor.url}/signin/passwordless/sms", json={"phoneNumber": "+44 7911 123456"}, timeout=30)
    assert sms.status_code == 200, sms.text
    sign_up(survivor, "metrics@example.com")
    resets = [httpx.post(f"{survivor.url}/user/password/reset", json={"email": email}, timeout=30).status_code
              for email in ["metrics@example.com"] + [f"more-{i}@example.com" for i in range(EMAIL_LIMIT)]]
    assert resets[-1] == 429, resets  # (the limit was reached by now, whether or not the earlier test ran)
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{survivor.url}/metrics", timeout=30).text
    families = {family.name for family in text_string_to_metric_families(text)}
    assert set(SERIES) <= families, set(SERIES) - families
    found = samples(text)

    def total(name: str, **labels: str) -> float:
        matching = [value for sample, got, value in found if sample == name and labels.items() <= got.items()]
        assert matching, f"no sample {name} {labels}"
        return sum(matching)

    assert total("authward_http_requests_total", route="/token", method="POST", status="200") > 0
    assert total("authward_http_requests_total", route="/token", method="POST", status="401") > 0
    assert total("authward_http_request_duration_seconds_count", route="/signup/email-password", method="POST") > 0
    assert total("authward_http_request_duration_seconds_bucket", route="/token", method="POST", le="+Inf") > 0
    assert total("authward_sign_ins_total", method="password", outcome="success") > 0
    assert total("authward_sign_ins_total", method="password", outcome="failed") > 0
    assert total("authward_tokens_issued_total", kind="session") > 0
    assert total("authward_refresh_reuse_detected_total") > 0
    assert total("authward_rate_limited_total", bucket="email") > 0
    assert total("authward_deliveries_total", channel="email") > 0
    assert total("authward_deliveries_total", channel="sms", outcome="sent") > 0
    assert total("authward_outbox_pending") >= 0
    assert total("authward_db_pool_size") > 0
    assert total("authward_db_pool_in_use") >= 0
