"""Two-factor authentication through the in-process API, on SQLite and PostgreSQL.

Time is a FakeClock injected into the services: it starts ~12 minutes in the past, aligned to a TOTP
step, so the access tokens minted while a test moves it forward are still valid in real time.
"""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pyotp
import pytest
from sqlalchemy import select

from authward.storage.models import AuditEvent, Credential, Ticket, User
from tests.integration.helpers import PASSWORD, assert_error, session_for

NAMESPACE = "https://hasura.io/jwt/claims"


class FakeClock:
    def __init__(self) -> None:
        start = (int(time.time()) - 720) // 30 * 30 + 1
        self.now = datetime.fromtimestamp(start, UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def code(self, secret: str, steps: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.now + timedelta(seconds=30 * steps))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# Sign-up must answer a session here: email verification is another feature's concern.
NO_VERIFICATION = {"email_verification_required": False}


@pytest.fixture
async def api(make_client: Any, clock: FakeClock) -> httpx.AsyncClient:
    return await make_client(clock=clock, **NO_VERIFICATION)


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['accessToken']}"}


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def sign_in(api: httpx.AsyncClient, email: str) -> httpx.Response:
    return await api.post("/v1/signin/email-password", json={"email": email, "password": PASSWORD})


async def ticket_for(api: httpx.AsyncClient, email: str) -> str:
    response = await sign_in(api, email)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session"] is None
    ticket: str = body["mfa"]["ticket"]
    return ticket


async def enrol(api: httpx.AsyncClient, clock: FakeClock, email: str = "ada@example.com") -> tuple[dict[str, Any], str, list[str]]:
    """Sign up, generate, activate with a code computed here; then move to the next step."""
    session = await session_for(api, email)
    generated = await api.get("/v1/mfa/totp/generate", headers=bearer(session))
    assert generated.status_code == 200, generated.text
    body = generated.json()
    activated = await api.post("/v1/user/mfa", json={"code": clock.code(body["totpSecret"]), "activeMfaType": "totp"},
                               headers=bearer(session))
    assert activated.status_code == 200, activated.text
    assert activated.json() == "OK"
    clock.advance(30)
    return session, body["totpSecret"], body["recoveryCodes"]


async def complete(api: httpx.AsyncClient, ticket: str, otp: str) -> httpx.Response:
    return await api.post("/v1/signin/mfa/totp", json={"ticket": ticket, "otp": otp})


async def rows(api: httpx.AsyncClient, model: Any, **where: Any) -> list[Any]:
    async with api.core.db.read() as session:  # type: ignore[attr-defined]
        stmt = select(model).filter_by(**where)
        return list((await session.scalars(stmt)).all())


async def test_generate_returns_qr_secret_and_pending_recovery_codes(api, clock):
    session = await session_for(api)
    response = await api.get("/v1/mfa/totp/generate", headers=bearer(session))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"imageUrl", "totpSecret", "recoveryCodes"}
    assert body["imageUrl"].startswith("data:image/png;base64,")
    assert base64.b64decode(body["imageUrl"].split(",", 1)[1]).startswith(b"\x89PNG")
    assert len(base64.b32decode(body["totpSecret"])) == 20
    assert len(set(body["recoveryCodes"])) == 10
    user_id = session["user"]["id"]
    [totp] = await rows(api, Credential, type="totp")
    assert str(totp.user_id) == user_id and totp.data["active"] is False
    assert body["totpSecret"].encode() not in totp.secret_encrypted  # encrypted at rest
    codes = await rows(api, Credential, type="recovery_code")
    assert len(codes) == 10 and all(c.data == {"pending": True} for c in codes)
    assert not any(code.replace("-", "") in (c.identifier or "") for c in codes for code in body["recoveryCodes"])
    user = await api.get("/v1/user", headers=bearer(session))
    assert user.json()["activeMfaType"] is None
    # not yet active: sign-in still answers a session
    assert (await sign_in(api, "ada@example.com")).json()["mfa"] is None


async def test_activate_then_sign_in_with_ticket_and_code(api, clock):
    session, secret, _ = await enrol(api, clock)
    user = await api.get("/v1/user", headers=bearer(session))
    assert user.json()["activeMfaType"] == "totp"

    ticket = await ticket_for(api, "ada@example.com")
    assert ticket.startswith("mfaTotp:")
    [row] = await rows(api, Ticket, kind="mfaTotp")
    assert row.secret_hash != ticket and ticket not in str(row.payload)
    assert row.expires_at - row.created_at == timedelta(minutes=5)

    response = await complete(api, ticket, clock.code(secret))
    assert response.status_code == 200, response.text
    new_session = response.json()["session"]
    assert new_session["user"]["activeMfaType"] == "totp"
    claims = claims_of(new_session["accessToken"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims[NAMESPACE]["x-hasura-auth-elevated"] == claims["sub"]
    status = await api.get("/v1/user/mfa", headers=bearer(new_session))
    assert status.json() == {"activeMfaType": "totp", "secondFactorPassed": True, "elevated": True,
                             "recoveryCodesRemaining": 10}
    # the sign-up session predates the second factor: balena's is_passed is false for it
    old = await api.get("/v1/user/mfa", headers=bearer(session))
    assert old.json()["secondFactorPassed"] is False
    # a refreshed token keeps amr (is_passed) but loses elevation
    refreshed = await api.post("/v1/token", json={"refreshToken": new_session["refreshToken"]})
    refreshed_claims = claims_of(refreshed.json()["accessToken"])
    assert refreshed_claims["amr"] == ["pwd", "otp", "mfa"]
    assert "x-hasura-auth-elevated" not in refreshed_claims[NAMESPACE]


async def test_totp_code_is_accepted_once_per_step(api, clock):
    _, secret, _ = await enrol(api, clock)
    code = clock.code(secret)
    assert (await complete(api, await ticket_for(api, "ada@example.com"), code)).status_code == 200
    assert_error(await complete(api, await ticket_for(api, "ada@example.com"), code), 401, "invalid-totp")
    # the previous step's code is inside the skew window but older than the last accepted step
    assert_error(await complete(api, await ticket_for(api, "ada@example.com"), clock.code(secret, -1)), 401,
                 "invalid-totp")
    clock.advance(30)
    assert (await complete(api, await ticket_for(api, "ada@example.com"), clock.code(secret))).status_code == 200


async def test_activation_code_cannot_be_replayed_at_sign_in(api, clock):
    session = await session_for(api)
    secret = (await api.get("/v1/mfa/totp/generate", headers=bearer(session))).json()["totpSecret"]
    code = clock.code(secret)
    assert (await api.post("/v1/user/mfa", json={"code": code, "activeMfaType": "totp"},
                           headers=bearer(session))).status_code == 200
    assert_error(await complete(api, await ticket_for(api, "ada@example.com"), code), 401, "invalid-totp")


async def test_concurrent_use_of_one_code_succeeds_once(api, clock):
    _, secret, _ = await enrol(api, clock)
    tickets = [await ticket_for(api, "ada@example.com") for _ in range(3)]
    code = clock.code(secret)
    responses = await asyncio.gather(*(complete(api, t, code) for t in tickets))
    assert sorted(r.status_code for r in responses) == [200, 401, 401]


async def test_ticket_is_single_use_short_lived_and_checked(api, clock):
    _, secret, _ = await enrol(api, clock)
    ticket = await ticket_for(api, "ada@example.com")
    assert (await complete(api, ticket, clock.code(secret))).status_code == 200
    clock.advance(30)
    assert_error(await complete(api, ticket, clock.code(secret)), 401, "invalid-ticket")

    late = await ticket_for(api, "ada@example.com")
    clock.advance(301)
    assert_error(await complete(api, late, clock.code(secret)), 401, "invalid-ticket")
    assert_error(await complete(api, "mfaTotp:00000000-0000-4000-8000-000000000000", clock.code(secret)), 401,
                 "invalid-ticket")
    assert_error(await complete(api, "passwordReset:abc", clock.code(secret)), 400, "invalid-request")
    assert_error(await api.post("/v1/signin/mfa/totp", json={"ticket": late}), 400, "invalid-request")


async def test_wrong_codes_are_limited_per_ticket(api, clock):
    _, secret, _ = await enrol(api, clock)
    ticket = await ticket_for(api, "ada@example.com")
    good = clock.code(secret)
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(5):
        assert_error(await complete(api, ticket, wrong), 401, "invalid-totp")
    assert_error(await complete(api, ticket, good), 400, "otp-too-many-attempts")
    [row] = await rows(api, Ticket, kind="mfaTotp")
    assert row.attempts == 5 and row.consumed_at is None
    # a fresh sign-in gets a fresh ticket
    assert (await complete(api, await ticket_for(api, "ada@example.com"), good)).status_code == 200


async def test_wrong_codes_are_limited_per_user_across_tickets(api, clock):
    _, secret, _ = await enrol(api, clock)
    for _ in range(2):
        ticket = await ticket_for(api, "ada@example.com")
        for _ in range(5):
            assert_error(await complete(api, ticket, "not-a-code"), 401, "invalid-totp")
    locked = await complete(api, await ticket_for(api, "ada@example.com"), clock.code(secret))
    assert_error(locked, 429, "too-many-requests")
    clock.advance(15 * 60)
    response = await complete(api, await ticket_for(api, "ada@example.com"), clock.code(secret))
    assert response.status_code == 200, response.text


async def test_recovery_code_works_once(api, clock):
    _, _, codes = await enrol(api, clock)
    ticket = await ticket_for(api, "ada@example.com")
    response = await complete(api, ticket, codes[0].upper().replace("-", " "))
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    assert claims_of(session["accessToken"])["amr"] == ["pwd", "otp", "mfa"]
    assert_error(await complete(api, await ticket_for(api, "ada@example.com"), codes[0]), 401, "invalid-totp")
    status = await api.get("/v1/user/mfa", headers=bearer(session))
    assert status.json()["recoveryCodesRemaining"] == 9
    events = [e.data for e in await rows(api, AuditEvent, event="user.signed_in") if e.data.get("method")]
    assert {"method": "recovery_code", "amr": ["pwd", "otp", "mfa"]} in events


async def test_regenerated_recovery_codes_replace_the_old_set(api, clock):
    session, secret, codes = await enrol(api, clock)
    assert_error(await api.post("/v1/user/mfa/recovery-codes", json={"code": codes[1]}, headers=bearer(session)),
                 401, "invalid-totp")  # a recovery code cannot mint recovery codes
    response = await api.post("/v1/user/mfa/recovery-codes", json={"code": clock.code(secret)},
                              headers=bearer(session))
    assert response.status_code == 200, response.text
    fresh = response.json()["recoveryCodes"]
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert_error(await complete(api, await ticket_for(api, "ada@example.com"), codes[2]), 401, "invalid-totp")
    assert (await complete(api, await ticket_for(api, "ada@example.com"), fresh[0])).status_code == 200


async def test_activation_errors_leave_the_user_unchanged(api, clock):
    session = await session_for(api)
    assert_error(await api.post("/v1/user/mfa", json={"code": "123456", "activeMfaType": "totp"},
                                headers=bearer(session)), 400, "no-totp-secret")
    secret = (await api.get("/v1/mfa/totp/generate", headers=bearer(session))).json()["totpSecret"]
    wrong = "000000" if clock.code(secret) != "000000" else "111111"
    assert_error(await api.post("/v1/user/mfa", json={"code": wrong, "activeMfaType": "totp"},
                                headers=bearer(session)), 401, "invalid-totp")
    [user] = await rows(api, User)
    assert user.active_mfa_type is None
    assert_error(await api.post("/v1/user/mfa", json={"code": "123456", "activeMfaType": "sms"},
                                headers=bearer(session)), 400, "invalid-request")
    assert_error(await api.post("/v1/user/mfa", json={"code": "123456"}, headers=bearer(session)), 401,
                 "disabled-mfa-totp")
    assert_error(await api.post("/v1/user/mfa", json={"code": "123456", "activeMfaType": "totp"}), 401,
                 "unauthenticated-user")
    # activation proper, then the already-active answers
    assert (await api.post("/v1/user/mfa", json={"code": clock.code(secret), "activeMfaType": "totp"},
                           headers=bearer(session))).status_code == 200
    clock.advance(30)
    assert_error(await api.post("/v1/user/mfa", json={"code": clock.code(secret), "activeMfaType": "totp"},
                                headers=bearer(session)), 400, "totp-already-active")
    assert_error(await api.get("/v1/mfa/totp/generate", headers=bearer(session)), 400, "totp-already-active")


async def test_deactivate_with_a_code(api, clock):
    session, secret, _ = await enrol(api, clock)
    assert_error(await api.post("/v1/user/mfa", json={"code": "000001", "activeMfaType": ""},
                                headers=bearer(session)), 401, "invalid-totp")
    response = await api.post("/v1/user/mfa", json={"code": clock.code(secret), "activeMfaType": ""},
                              headers=bearer(session))
    assert response.status_code == 200 and response.json() == "OK"
    assert (await api.get("/v1/user", headers=bearer(session))).json()["activeMfaType"] is None
    assert await rows(api, Credential) == []
    assert (await sign_in(api, "ada@example.com")).json()["session"] is not None
    assert_error(await api.post("/v1/user/mfa", json={"code": clock.code(secret), "activeMfaType": ""},
                                headers=bearer(session)), 401, "disabled-mfa-totp")


async def test_deactivate_with_a_recovery_code_drops_pending_tickets(api, clock):
    session, _, codes = await enrol(api, clock)
    pending = await ticket_for(api, "ada@example.com")
    response = await api.post("/v1/user/mfa", json={"code": codes[0], "activeMfaType": ""}, headers=bearer(session))
    assert response.status_code == 200, response.text
    assert_error(await complete(api, pending, "123456"), 401, "invalid-ticket")


async def test_disable_with_password_from_a_session_that_passed_mfa(api, clock):
    signup_session, secret, _ = await enrol(api, clock)
    # the sign-up session never passed the second factor
    assert_error(await api.post("/v1/user/mfa/disable", json={"password": PASSWORD},
                                headers=bearer(signup_session)), 401, "elevated-claim-required")
    session = (await complete(api, await ticket_for(api, "ada@example.com"), clock.code(secret))).json()["session"]
    assert_error(await api.post("/v1/user/mfa/disable", json={"password": "wrong password!"},
                                headers=bearer(session)), 401, "invalid-email-password")
    response = await api.post("/v1/user/mfa/disable", json={"password": PASSWORD}, headers=bearer(session))
    assert response.status_code == 200, response.text
    fresh = response.json()["session"]
    assert fresh["user"]["activeMfaType"] is None
    assert claims_of(fresh["accessToken"])["amr"] == ["pwd"]
    assert (await sign_in(api, "ada@example.com")).json()["session"] is not None


async def test_elevation_with_a_short_max_age(make_client, clock):
    api = await make_client(clock=clock, require_elevated_claim=True, elevation_max_age=60, **NO_VERIFICATION)
    signup = await session_for(api)
    claims = claims_of(signup["accessToken"])
    assert claims[NAMESPACE]["x-hasura-auth-elevated"] == claims["sub"]
    clock.advance(61)
    assert_error(await api.get("/v1/mfa/totp/generate", headers=bearer(signup)), 401, "elevated-claim-required")
    refreshed = (await api.post("/v1/token", json={"refreshToken": signup["refreshToken"]})).json()
    assert_error(await api.get("/v1/mfa/totp/generate", headers=bearer(refreshed)), 401, "elevated-claim-required")

    fresh = (await sign_in(api, "ada@example.com")).json()["session"]  # a fresh sign-in elevates again
    generated = await api.get("/v1/mfa/totp/generate", headers=bearer(fresh))
    assert generated.status_code == 200, generated.text
    secret = generated.json()["totpSecret"]
    assert (await api.post("/v1/user/mfa", json={"code": clock.code(secret), "activeMfaType": "totp"},
                           headers=bearer(fresh))).status_code == 200

    clock.advance(61)
    assert (await api.get("/v1/user/mfa", headers=bearer(fresh))).json()["elevated"] is False
    assert_error(await api.post("/v1/elevate/totp", json={"otp": "000000" if clock.code(secret) != "000000" else "1"},
                                headers=bearer(fresh)), 401, "invalid-totp")
    elevated = await api.post("/v1/elevate/totp", json={"otp": clock.code(secret)}, headers=bearer(fresh))
    assert elevated.status_code == 200, elevated.text
    session = elevated.json()["session"]
    claims = claims_of(session["accessToken"])
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims[NAMESPACE]["x-hasura-auth-elevated"] == claims["sub"]
    assert (await api.get("/v1/user/mfa", headers=bearer(session))).json()["elevated"] is True
    assert session["refreshToken"] != fresh["refreshToken"]


async def test_elevate_needs_totp(api, clock):
    session = await session_for(api)
    assert_error(await api.post("/v1/elevate/totp", json={"otp": "123456"}, headers=bearer(session)), 401,
                 "disabled-mfa-totp")
    assert_error(await api.post("/v1/elevate/totp", json={"otp": "123456"}), 401, "unauthenticated-user")


async def test_mfa_disabled_by_setting(make_client, clock):
    api = await make_client(clock=clock, mfa_enabled=False, **NO_VERIFICATION)
    session = await session_for(api)
    assert_error(await api.get("/v1/mfa/totp/generate", headers=bearer(session)), 409, "disabled-endpoint")
    assert_error(await api.post("/v1/user/mfa", json={"code": "123456", "activeMfaType": "totp"},
                                headers=bearer(session)), 409, "disabled-endpoint")
    assert_error(await api.post("/v1/elevate/totp", json={"otp": "123456"}, headers=bearer(session)), 409,
                 "disabled-endpoint")


async def test_enrolled_users_are_still_challenged_when_mfa_is_turned_off(make_client, clock):
    api = await make_client(clock=clock, **NO_VERIFICATION)
    _, secret, _ = await enrol(api, clock)
    off = await make_client(clock=clock, mfa_enabled=False, **NO_VERIFICATION)
    ticket = await ticket_for(off, "ada@example.com")
    assert (await complete(off, ticket, clock.code(secret))).status_code == 200


async def test_yat_password_login_and_refresh_without_2fa(api, clock):
    await session_for(api)
    response = await api.post("/auth/token", json={"email": "ada@example.com", "password": PASSWORD,
                                                   "g-recaptcha-response": "ignored"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "requires_2fa"}
    assert body["requires_2fa"] is None
    assert (await api.get("/v1/user", headers={"Authorization": f"Bearer {body['access_token']}"})).status_code == 200
    refreshed = await api.post("/auth/token/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "refresh_token", "requires_2fa"}
    assert refreshed.json()["refresh_token"] != body["refresh_token"]
    assert_error(await api.post("/auth/token", json={"email": "ada@example.com", "password": "wrong password!"}),
                 401, "invalid-email-password")
    assert_error(await api.post("/auth/token", json={"email": "ada@example.com", "password": PASSWORD, "x": 1}),
                 400, "invalid-request")
    assert_error(await api.post("/auth/token/refresh", json={"refresh_token": "nope"}), 401, "invalid-refresh-token")


async def test_yat_login_with_2fa(api, clock):
    _, secret, _ = await enrol(api, clock)
    pending = (await api.post("/auth/token", json={"email": "ada@example.com", "password": PASSWORD})).json()
    assert pending["access_token"] == ""
    assert pending["requires_2fa"] == ["totp"]
    assert pending["refresh_token"].startswith("mfaTotp:")
    assert_error(await api.post("/auth/2fa", json={"code": "000000" if clock.code(secret) != "000000" else "1",
                                                   "refresh_token": pending["refresh_token"]}), 401, "invalid-totp")
    done = await api.post("/auth/2fa", json={"code": clock.code(secret), "refresh_token": pending["refresh_token"]})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["requires_2fa"] is None
    assert claims_of(body["access_token"])["amr"] == ["pwd", "otp", "mfa"]
    assert_error(await api.post("/auth/2fa", json={"code": "123456", "refresh_token": body["refresh_token"]}),
                 401, "invalid-ticket")
    assert_error(await api.post("/auth/2fa", json={"code": "123456"}), 400, "invalid-request")
