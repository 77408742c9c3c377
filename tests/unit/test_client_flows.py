"""The SDK's flows on both clients against an in-memory fake of the wire contract (no network).

The fake implements just enough of the Nhost routes (rotation on refresh, MFA tickets, 404 for
unknown routes) to check the client's own behaviour: what it sends, what it stores, when it
refreshes. The real server is exercised in tests/e2e.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from authward.client import (
    AsyncAuthClient,
    AuthClient,
    InvalidCredentials,
    InvalidRequest,
    MemoryStorage,
    MfaError,
    MfaRequired,
    NetworkError,
    NotLoggedIn,
    NotSupportedByServer,
    SessionRevoked,
    StoredSession,
    TokenExpired,
)

BASE = "http://auth.test"
PASSWORD = "correct horse battery"


def make_jwt(sub: str, iat: float, lifetime: float) -> str:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'RS256', 'kid': 'k1'})}.{b64({'sub': sub, 'iat': int(iat), 'exp': int(iat + lifetime)})}.sig"


class FakeServer:
    """Just enough of the contract: users, rotating refresh tokens, MFA tickets, 404 elsewhere."""

    def __init__(self, lifetime: int = 900, mfa: bool = False, refresh_delay: float = 0.0) -> None:
        self.lifetime = lifetime
        self.mfa = mfa
        self.refresh_delay = refresh_delay
        self.user_id = str(uuid.uuid4())
        self.refresh_tokens: set[str] = set()
        self.access_tokens: set[str] = set()
        self.calls: list[str] = []
        self.bodies: list[Any] = []
        self.lock = threading.Lock()
        self.routes_missing: set[str] = set()

    def count(self, path: str) -> int:
        return sum(1 for call in self.calls if call == path)

    def session(self) -> dict[str, Any]:
        access = make_jwt(self.user_id, time.time(), self.lifetime) + uuid.uuid4().hex[:4]
        refresh = str(uuid.uuid4())
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {
            "accessToken": access,
            "accessTokenExpiresIn": self.lifetime,
            "refreshToken": refresh,
            "refreshTokenId": str(uuid.uuid4()),
            "user": self.user(),
        }

    def user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "createdAt": "2025-01-01T00:00:00Z",
            "displayName": "Ada",
            "avatarUrl": "",
            "locale": "en",
            "email": "ada@example.com",
            "emailVerified": True,
            "phoneNumberVerified": False,
            "isAnonymous": False,
            "defaultRole": "user",
            "roles": ["user", "me"],
            "metadata": {},
            "activeMfaType": "totp" if self.mfa else None,
        }

    @staticmethod
    def error(status: int, code: str, message: str = "nope") -> httpx.Response:
        return httpx.Response(status, json={"status": status, "error": code, "message": message})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        body = json.loads(request.content) if request.content else None
        with self.lock:
            self.calls.append(path)
            self.bodies.append(body)
        if path in self.routes_missing:
            return self.error(404, "route-not-found", "No such route")
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if path == "/signin/email-password":
            if body["password"] != PASSWORD:
                return self.error(401, "invalid-email-password")
            if self.mfa:
                return httpx.Response(200, json={"session": None, "mfa": {"ticket": "mfaTotp:t1"}})
            return httpx.Response(200, json={"session": self.session(), "mfa": None})
        if path == "/signup/email-password":
            return httpx.Response(200, json={"session": self.session()})
        if path == "/signin/mfa/totp":
            if body["ticket"] != "mfaTotp:t1" or body["otp"] != "123456":
                return self.error(401, "invalid-totp")
            return httpx.Response(200, json={"session": self.session()})
        if path == "/token":
            time.sleep(self.refresh_delay)
            with self.lock:
                if body["refreshToken"] not in self.refresh_tokens:
                    return self.error(401, "invalid-refresh-token")
                self.refresh_tokens.discard(body["refreshToken"])
                return httpx.Response(200, json=self.session())
        if path == "/user":
            if bearer not in self.access_tokens:
                return self.error(401, "unauthenticated-user")
            return httpx.Response(200, json=self.user())
        if path == "/user/mfa":
            passed = self.mfa and bearer in self.access_tokens
            return httpx.Response(
                200, json={"activeMfaType": "totp" if self.mfa else None, "secondFactorPassed": passed}
            )
        if path == "/signout":
            if body.get("refreshToken") not in self.refresh_tokens:
                return self.error(401, "invalid-refresh-token")
            self.refresh_tokens.discard(body["refreshToken"])
            return httpx.Response(200, json="OK")
        if path == "/token/verify":
            token = body.get("token") or bearer
            return httpx.Response(200, json="OK") if token in self.access_tokens else self.error(401, "invalid-token")
        if path == "/verify":
            ticket = request.url.params.get("ticket")
            if ticket != "verifyEmail:good":
                return httpx.Response(302, headers={"location": "https://app.test/?error=invalid-ticket"})
            refresh = self.session()["refreshToken"]
            return httpx.Response(
                302, headers={"location": f"https://app.test/#refreshToken={refresh}&type=emailVerify"}
            )
        if path == "/signin/pat":
            if body["personalAccessToken"] != "2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24":
                return self.error(401, "invalid-pat")
            return httpx.Response(200, json={"session": self.session()})
        return self.error(404, "route-not-found", "No such route")

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token") and self.refresh_delay:
            await asyncio.sleep(self.refresh_delay)
            delay, self.refresh_delay = self.refresh_delay, 0.0
            try:
                return self.handle(request)
            finally:
                self.refresh_delay = delay
        return self.handle(request)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def sync_client(server: FakeServer, clock: Callable[[], float] = time.time, **kw: Any) -> AuthClient:
    return AuthClient(BASE, http_client=httpx.Client(transport=httpx.MockTransport(server.handle)), clock=clock, **kw)


def async_client(server: FakeServer, clock: Callable[[], float] = time.time, **kw: Any) -> AsyncAuthClient:
    transport = httpx.MockTransport(server.handle_async)
    return AsyncAuthClient(BASE, http_client=httpx.AsyncClient(transport=transport), clock=clock, **kw)


# -- sign in and storage
def test_login_stores_the_session_and_sends_the_bearer() -> None:
    server = FakeServer()
    client = sync_client(server)
    result = client.login("ada@example.com", PASSWORD)
    assert result.session is not None and not result.mfa_required
    stored = client.state.load()
    assert stored is not None and stored.refresh_token == result.session.refresh_token
    assert client.get_user().email == "ada@example.com"
    assert client.get_actor_id() == server.user_id


def test_wrong_password_raises_invalid_credentials_with_wire_fields() -> None:
    client = sync_client(FakeServer())
    with pytest.raises(InvalidCredentials) as info:
        client.login("ada@example.com", "wrong")
    assert (info.value.status, info.value.error) == (401, "invalid-email-password")
    assert client.state.load() is None


def test_calls_needing_a_session_raise_not_logged_in_without_a_request() -> None:
    server = FakeServer()
    client = sync_client(server)
    with pytest.raises(NotLoggedIn):
        client.get_user()
    assert server.calls == []
    assert client.whoami() is None


def test_authenticate_returns_a_token_without_storing_it() -> None:
    client = sync_client(FakeServer())
    token = client.authenticate("ada@example.com", PASSWORD)
    assert token.count(".") == 2
    assert client.state.load() is None


def test_register_returns_the_access_token_and_keeps_the_session() -> None:
    client = sync_client(FakeServer())
    token = client.register("ada@example.com", PASSWORD, {"display_name": "Ada"})
    assert token == client.get_token()


def test_sign_up_sends_camel_case_options() -> None:
    server = FakeServer()
    client = sync_client(server)
    client.sign_up_email_password("ada@example.com", PASSWORD, {"display_name": "Ada", "redirect_to": "https://x"})
    assert server.bodies[-1]["options"] == {"displayName": "Ada", "redirectTo": "https://x"}


# -- MFA
def test_mfa_login_keeps_the_ticket_then_challenge_completes_it() -> None:
    server = FakeServer(mfa=True)
    client = sync_client(server)
    result = client.login("ada@example.com", PASSWORD)
    assert result.mfa_required and result.mfa is not None and result.mfa.ticket == "mfaTotp:t1"
    assert client.two_factor.is_passed() is False
    with pytest.raises(MfaError):
        client.two_factor.challenge("000000")
    session = client.two_factor.challenge("123456")
    assert client.get_token() == session.access_token
    assert client.two_factor.is_passed() is True
    assert client.two_factor.is_enabled() is True


def test_two_factor_verify_does_not_store_the_session() -> None:
    client = sync_client(FakeServer(mfa=True))
    client.login("ada@example.com", PASSWORD)
    session = client.two_factor.verify("123456")
    assert session.access_token
    assert client.two_factor.is_passed() is False


def test_authenticate_with_mfa_raises_mfa_required_with_ticket() -> None:
    client = sync_client(FakeServer(mfa=True))
    with pytest.raises(MfaRequired) as info:
        client.authenticate("ada@example.com", PASSWORD)
    assert info.value.ticket == "mfaTotp:t1"


def test_challenge_without_pending_sign_in_is_a_clear_error() -> None:
    server = FakeServer()
    client = sync_client(server)
    with pytest.raises(MfaError, match="No sign-in is waiting"):
        client.two_factor.challenge("123456")
    assert server.calls == []


def test_mfa_methods_on_a_server_without_mfa_routes_say_not_supported() -> None:
    server = FakeServer()
    server.routes_missing |= {"/mfa/totp/generate", "/user/mfa", "/user/mfa/disable"}
    client = sync_client(server)
    client.login("ada@example.com", PASSWORD)
    for call in (
        client.two_factor.get_setup_key,
        lambda: client.two_factor.enable("123456"),
        lambda: client.two_factor.disable(PASSWORD),
    ):
        with pytest.raises(NotSupportedByServer, match="Not supported by this server version"):
            call()
    assert client.two_factor.is_passed() is True  # falls back to "a session and no pending ticket"


# -- refresh
def test_refresh_happens_before_expiry_and_the_rotated_token_is_stored() -> None:
    server = FakeServer(lifetime=900)
    clock = Clock()
    client = sync_client(server, clock)
    client.login("ada@example.com", PASSWORD)
    first = client.state.load()
    assert first is not None
    clock.now += 860  # 40 s left: outside the 30 s margin
    client.get_user()
    assert server.count("/token") == 0
    clock.now += 15  # 25 s left
    client.get_user()
    assert server.count("/token") == 1
    second = client.state.load()
    assert second is not None and second.refresh_token != first.refresh_token
    assert second.refresh_token in server.refresh_tokens and first.refresh_token not in server.refresh_tokens


def test_short_lifetimes_refresh_at_ten_percent() -> None:
    server = FakeServer(lifetime=10)
    clock = Clock()
    client = sync_client(server, clock)
    client.login("ada@example.com", PASSWORD)
    clock.now += 8.5
    client.get_user()
    assert server.count("/token") == 0
    clock.now += 1
    client.get_user()
    assert server.count("/token") == 1


def test_concurrent_threads_trigger_exactly_one_refresh() -> None:
    server = FakeServer(refresh_delay=0.2)
    clock = Clock()
    client = sync_client(server, clock)
    client.login("ada@example.com", PASSWORD)
    clock.now += 890
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            client.get_user()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert server.count("/token") == 1
    assert server.count("/user") == 8


async def test_concurrent_tasks_trigger_exactly_one_refresh() -> None:
    server = FakeServer(refresh_delay=0.1)
    clock = Clock()
    async with async_client(server, clock) as client:
        await client.login("ada@example.com", PASSWORD)
        clock.now += 890
        users = await asyncio.gather(*(client.get_user() for _ in range(8)))
    assert {user.id for user in users} == {server.user_id}
    assert server.count("/token") == 1


def test_a_revoked_refresh_token_clears_the_session() -> None:
    server = FakeServer()
    clock = Clock()
    client = sync_client(server, clock)
    client.login("ada@example.com", PASSWORD)
    server.refresh_tokens.clear()
    clock.now += 899
    with pytest.raises(SessionRevoked):
        client.get_user()
    assert client.state.load() is None
    assert client.whoami() is None


def test_a_token_rotated_by_another_client_on_the_same_storage_is_kept() -> None:
    server = FakeServer()
    clock = Clock()
    storage = MemoryStorage()
    first = sync_client(server, clock, storage=storage)
    first.login("ada@example.com", PASSWORD)
    clock.now += 899
    stale = storage.load()
    first.get_user()  # rotates: `stale` now holds a dead refresh token
    fresh = storage.load()
    assert stale is not None and fresh is not None and fresh.refresh_token != stale.refresh_token

    class Racing(MemoryStorage):
        """A second client read the old record; the winner's write lands while it refreshes."""

        cleared = False

        def load(self) -> StoredSession | None:
            return fresh if server.count("/token") >= 2 else stale

        def clear(self) -> None:
            self.cleared = True

    racing = Racing()
    session = sync_client(server, clock, storage=racing).refresh_token()
    assert session.refresh_token == fresh.refresh_token
    assert racing.cleared is False


def test_an_expired_bare_jwt_without_refresh_token_is_token_expired() -> None:
    server = FakeServer()
    clock = Clock()
    client = sync_client(server, clock)
    client.login_with_token(make_jwt(server.user_id, clock.now - 100, 50))
    with pytest.raises(TokenExpired):
        client.get_user()


# -- login_with_token, logout, verify
def test_login_with_token_keeps_a_jwt_and_exchanges_anything_else() -> None:
    server = FakeServer()
    client = sync_client(server)
    jwt = make_jwt(server.user_id, time.time(), 900)
    client.login_with_token(jwt)
    assert client.get_token() == jwt and server.calls == []
    client.login_with_token("2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24")
    assert server.calls == ["/signin/pat"]
    assert client.get_user().id == server.user_id
    with pytest.raises(InvalidCredentials):
        client.login_with_token("not-a-pat")


def test_login_with_pat_on_a_server_without_pats_says_so() -> None:
    server = FakeServer()
    server.routes_missing.add("/signin/pat")
    with pytest.raises(NotSupportedByServer, match="Personal access tokens are not supported"):
        sync_client(server).login_with_token("2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24")


def test_logout_revokes_and_forgets_even_if_the_server_already_forgot() -> None:
    server = FakeServer()
    client = sync_client(server)
    client.login("ada@example.com", PASSWORD)
    token = client.state.refresh_token()
    client.logout()
    assert token not in server.refresh_tokens and client.state.load() is None
    client.login("ada@example.com", PASSWORD)
    server.refresh_tokens.clear()
    client.logout()
    assert client.state.load() is None


def test_verify_token_is_false_for_a_rejected_token() -> None:
    client = sync_client(FakeServer())
    client.login("ada@example.com", PASSWORD)
    assert client.verify_token() is True
    assert client.verify_token("x.y.z") is False


def test_verify_email_follows_the_redirect_to_a_kept_session() -> None:
    server = FakeServer()
    client = sync_client(server)
    link = "https://elsewhere.test/v1/verify?ticket=verifyEmail:good&type=emailVerify&redirectTo=https://app.test"
    token = client.verify_email("ada@example.com", link)
    assert client.get_token() == token
    assert server.calls[:2] == ["/verify", "/token"]  # to this client's server, not the link's host
    with pytest.raises(InvalidCredentials) as info:
        client.verify_email("ada@example.com", "verifyEmail:bad", redirect_to="https://app.test")
    assert info.value.error == "invalid-ticket"
    with pytest.raises(InvalidRequest):  # a bare ticket needs the redirect the server allows
        client.verify_email("ada@example.com", "verifyEmail:good")


def test_network_failure_is_a_network_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = AuthClient(BASE, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(NetworkError) as info:
        client.health_check()
    assert info.value.status == 0 and "GET /healthz" in info.value.message


def test_sessions_of_another_server_are_ignored() -> None:
    storage = MemoryStorage()
    storage.save(StoredSession(base_url="http://elsewhere:4000", access_token="a.b.c", refresh_token="r"))
    server = FakeServer()
    client = sync_client(server, storage=storage)
    with pytest.raises(NotLoggedIn):
        client.get_user()
    assert server.calls == []


async def test_async_client_has_the_same_surface() -> None:
    server = FakeServer(mfa=True)
    async with async_client(server) as client:
        result = await client.login("ada@example.com", PASSWORD)
        assert result.mfa_required
        await client.two_factor.challenge("123456")
        assert await client.two_factor.is_passed()
        user = await client.whoami()
        assert user is not None and user.id == server.user_id
        await client.logout()
        assert await client.is_logged_in() is False


def test_methods_keep_their_names_signatures_and_docs() -> None:
    import inspect

    client = sync_client(FakeServer())
    assert client.login.__name__ == "login"
    assert list(inspect.signature(client.sign_in_email_password).parameters) == ["email", "password"]
    assert "MFA" in (AuthClient.sign_in_email_password.__doc__ or "")
    assert inspect.iscoroutinefunction(AsyncAuthClient(BASE).get_user)
