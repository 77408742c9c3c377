"""The SDK's own behaviour around emailed links, deanonymizing and PATs, on scripted answers (no network).

Each test scripts the server's answers route by route and checks what the client sends, keeps and
raises. The real server runs these flows in tests/e2e/test_sdk_account.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from authward.client import (
    AsyncAuthClient,
    AuthClient,
    InvalidRequest,
    MfaRequired,
    NotFound,
    NotSupportedByServer,
    StoredSession,
)
from authward.client.account import link_params

BASE = "http://auth.test"
SESSION = {
    "accessToken": "a.b.c",
    "accessTokenExpiresIn": 900,
    "refreshToken": "r2",
    "refreshTokenId": "rid",
    "user": {"id": "u1", "email": "ada@example.com"},
}
SESSION_ANSWER = httpx.Response(200, json=SESSION)
Handler = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers by "METHOD /path" (without /v1); records every request."""

    def __init__(self, routes: dict[str, Handler | httpx.Response]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = f"{request.method} {request.url.path.removeprefix('/v1')}"
        answer = self.routes.get(key)
        if answer is None:
            return httpx.Response(404, json={"status": 404, "error": "route-not-found", "message": "No such route"})
        return answer(request) if callable(answer) else answer

    @property
    def calls(self) -> list[str]:
        return [f"{r.method} {r.url.path.removeprefix('/v1')}" for r in self.requests]


def client_for(script: Script, logged_in: bool = False) -> AuthClient:
    client = AuthClient(BASE, http_client=httpx.Client(transport=httpx.MockTransport(script)))
    if logged_in:
        client.state.storage.save(
            StoredSession(base_url=BASE, access_token="old.jwt.x", refresh_token="r1", expires_at=time.time() + 600)
        )
    return client


def redirect(location: str, status: int = 302) -> httpx.Response:
    return httpx.Response(status, headers={"location": location})


def test_link_params_take_the_query_of_a_link_or_a_bare_ticket() -> None:
    link = "https://mail.example/v1/verify?ticket=verifyEmail%3Aabc&type=emailVerify&redirectTo=https%3A%2F%2Fapp.test"
    assert link_params(link) == {"ticket": "verifyEmail:abc", "type": "emailVerify", "redirectTo": "https://app.test"}
    assert link_params(" passwordReset:xyz\n") == {"ticket": "passwordReset:xyz"}
    with pytest.raises(InvalidRequest):
        link_params("https://app.test/welcome?refreshToken=r")


def test_a_confirm_page_is_answered_with_its_button_press() -> None:
    page = httpx.Response(200, text="<form method=post>...</form>", headers={"content-type": "text/html"})

    def press(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form == {"ticket": "passwordlessEmail:t", "redirectTo": "https://app.test", "type": "signinPasswordless"}
        return redirect("https://app.test?refreshToken=r1&type=passwordlessEmail", 303)

    script = Script({"GET /verify": page, "POST /verify": press, "POST /token": httpx.Response(200, json=SESSION)})
    client = client_for(script)
    link = f"{BASE}/verify?ticket=passwordlessEmail:t&type=signinPasswordless&redirectTo=https://app.test"
    result = client.follow_link(link)
    assert result.session is not None and client.get_token() == "a.b.c"
    assert script.calls == ["GET /verify", "POST /verify", "POST /token"]
    assert json.loads(script.requests[-1].content) == {"refreshToken": "r1"}


def test_a_link_for_a_user_with_totp_keeps_the_mfa_ticket() -> None:
    script = Script({"GET /verify": redirect("https://app.test?mfaTicket=mfaTotp%3Am1&type=verifyEmail")})
    client = client_for(script)
    with pytest.raises(MfaRequired) as info:
        client.verify_email("ada@example.com", "verifyEmail:t", redirect_to="https://app.test")
    assert info.value.ticket == "mfaTotp:m1" == client.state.mfa_ticket()


def test_a_refused_redirect_is_raised_with_its_code() -> None:
    location = "http://localhost:3000?error=redirectTo-not-allowed&errorDescription=The+value+is+not+allowed"
    client = client_for(Script({"GET /verify": redirect(location)}))
    with pytest.raises(InvalidRequest) as info:
        client.follow_link("verifyEmail:t", redirect_to="https://evil.test")
    assert info.value.error == "redirectTo-not-allowed" and "not allowed" in info.value.message


def test_create_pat_takes_a_lifetime_and_refuses_a_naive_datetime() -> None:
    def create(request: httpx.Request) -> httpx.Response:
        sent = datetime.fromisoformat(json.loads(request.content)["expiresAt"])
        assert sent.tzinfo is not None and abs(sent - datetime.now(UTC) - timedelta(days=7)) < timedelta(minutes=1)
        return httpx.Response(200, json={"id": "p1", "personalAccessToken": "secret"})

    script = Script({"POST /pat": create})
    client = client_for(script, logged_in=True)
    assert client.create_pat(timedelta(days=7)).personal_access_token == "secret"
    with pytest.raises(InvalidRequest):
        client.create_pat(datetime(2030, 1, 1))  # naive: refused before any request
    assert script.calls == ["POST /pat"]


def test_revoke_pat_tells_an_unknown_token_from_a_server_without_pats() -> None:
    """`not-found` (no such token) and `route-not-found` (no PATs here) differ: one round trip each."""
    unknown = httpx.Response(404, json={"status": 404, "error": "not-found", "message": "No such token"})
    script = Script({"DELETE /pat/2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24": unknown})
    with_pats = client_for(script, logged_in=True)
    with pytest.raises(NotFound) as raised:
        with_pats.revoke_pat("2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24")
    assert not isinstance(raised.value, NotSupportedByServer)
    assert script.calls == ["DELETE /pat/2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24"]
    without_pats = client_for(Script({}), logged_in=True)
    with pytest.raises(NotSupportedByServer):
        without_pats.revoke_pat("2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24")


def test_deanonymize_keeps_a_live_session_refreshed_and_drops_an_ended_one() -> None:
    ok = httpx.Response(200, json="OK")
    live = client_for(Script({"POST /user/deanonymize": ok, "POST /token": httpx.Response(200, json=SESSION)}), True)
    session = live.deanonymize_user("ada@example.com", "correct horse battery staple")
    assert session is not None and live.state.refresh_token() == "r2"  # new roles, from the refresh

    revoked = httpx.Response(401, json={"status": 401, "error": "invalid-refresh-token", "message": "x"})
    ended = client_for(Script({"POST /user/deanonymize": ok, "POST /token": revoked}), logged_in=True)
    assert ended.deanonymize_user("ada@example.com", "correct horse battery staple") is None
    assert ended.state.load() is None

    script = Script({"POST /user/deanonymize": ok})
    passwordless = client_for(script, logged_in=True)
    assert passwordless.deanonymize_user("ada@example.com", sign_in_method="passwordless") is None
    assert passwordless.state.load() is None and script.calls == ["POST /user/deanonymize"]


async def test_the_async_client_follows_links_the_same_way() -> None:
    script = Script({"GET /verify": redirect("https://app.test?refreshToken=r1"), "POST /token": SESSION_ANSWER})
    transport = httpx.MockTransport(script)
    async with AsyncAuthClient(BASE, http_client=httpx.AsyncClient(transport=transport)) as client:
        token = await client.verify_email("ada@example.com", "verifyEmail:t", redirect_to="https://app.test")
        assert token == "a.b.c" == await client.get_token()
