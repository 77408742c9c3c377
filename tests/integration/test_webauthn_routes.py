"""WebAuthn through the in-process API, on SQLite and PostgreSQL, with the software authenticator.

Every ceremony runs for real: the server's options go to tests/webauthn_authenticator.py, which answers
genuine `none`/`packed` attestations and ECDSA assertions; py_webauthn verifies them in the server.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pyotp
import pytest
from sqlalchemy import func, select

from authward.storage.models import AuditEvent, Credential, Ticket, User
from tests.integration.helpers import assert_error, session_for
from tests.webauthn_authenticator import SoftAuthenticator, b64url

ORIGIN = "https://app.example.com"
WEBAUTHN = {
    "webauthn_enabled": True, "webauthn_rp_id": "example.com", "webauthn_rp_name": "Example",
    "webauthn_rp_origins": [ORIGIN, "https://auth.example.com"],
}
NAMESPACE = "https://hasura.io/jwt/claims"


class FakeClock:
    def __init__(self) -> None:
        start = (int(time.time()) - 720) // 30 * 30 + 1
        self.now = datetime.fromtimestamp(start, UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def api(make_client: Any, clock: FakeClock) -> httpx.AsyncClient:
    return await make_client(clock=clock, **WEBAUTHN)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator(ORIGIN)


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['accessToken']}"}


def claims_of(session: dict[str, Any]) -> dict[str, Any]:
    return jwt.decode(session["accessToken"], options={"verify_signature": False})


async def passkey_user(api: httpx.AsyncClient, authenticator: SoftAuthenticator, email: str = "ada@example.com",
                       **options: Any) -> dict[str, Any]:
    """Sign up with a passkey; the session."""
    body: dict[str, Any] = {"email": email}
    if options:
        body["options"] = options
    started = await api.post("/v1/signup/webauthn", json=body)
    assert started.status_code == 200, started.text
    verified = await api.post("/v1/signup/webauthn/verify",
                              json={"credential": authenticator.create(started.json()), "nickname": "laptop"})
    assert verified.status_code == 200, verified.text
    session: dict[str, Any] = verified.json()["session"]
    return session


async def sign_in_options(api: httpx.AsyncClient, email: str | None = None) -> dict[str, Any]:
    response = await api.post("/v1/signin/webauthn", json={"email": email} if email else {})
    assert response.status_code == 200, response.text
    options: dict[str, Any] = response.json()
    return options


async def count(api: Any, model: Any, *where: Any) -> int:
    async with api.core.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# -- sign-up
async def test_sign_up_options_are_the_spec_shape_and_create_nothing(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/signup/webauthn", json={"email": "Ada@Example.com",
                                                             "options": {"displayName": "Ada"}})
    assert response.status_code == 200, response.text
    options = response.json()
    assert options["rp"] == {"name": "Example", "id": "example.com"}
    assert options["user"]["name"] == "ada@example.com" and options["user"]["displayName"] == "Ada"
    assert len(options["challenge"]) == 43  # 256 bits, base64url
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert options["timeout"] == 60_000
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"] == {"residentKey": "preferred", "requireResidentKey": False,
                                                 "userVerification": "preferred"}
    assert options["excludeCredentials"] == []
    assert await count(api, User, User.email == "ada@example.com") == 0  # nothing before the proof
    tickets = await count(api, Ticket, Ticket.kind == "webauthnChallenge", Ticket.owner == "ada@example.com")
    assert tickets == 1


@pytest.mark.parametrize("fmt", ["none", "packed"])
async def test_sign_up_creates_the_user_and_its_key(api: httpx.AsyncClient, authenticator: SoftAuthenticator,
                                                    fmt: str) -> None:
    started = (await api.post("/v1/signup/webauthn", json={"email": "ada@example.com",
                                                           "options": {"displayName": "Ada", "locale": "fr"}})).json()
    credential = authenticator.create(started, fmt=fmt)
    response = await api.post("/v1/signup/webauthn/verify", json={"credential": credential, "nickname": "laptop",
                                                                   "options": {"metadata": {"plan": "pro"}}})
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    user = session["user"]
    assert user["email"] == "ada@example.com"
    assert user["displayName"] == "Ada" and user["locale"] == "fr"  # the first call's options
    assert user["metadata"] == {"plan": "pro"}  # the verify call's, as Nhost merges them
    claims = claims_of(session)
    assert claims["amr"] == ["hwk"]
    assert claims["sub"] == user["id"]
    # the user handle the authenticator keeps is the new user's id (as Nhost: the UUID as text)
    assert authenticator.keys[0].user_handle == user["id"].encode()
    keys = (await api.get("/v1/user/webauthn", headers=bearer(session))).json()["securityKeys"]
    assert [(k["nickname"], k["credentialId"], k["transports"]) for k in keys] == [
        ("laptop", credential["id"], [])]


async def test_sign_up_refusals(api: httpx.AsyncClient, authenticator: SoftAuthenticator) -> None:
    await session_for(api, "taken@example.com")
    assert_error(await api.post("/v1/signup/webauthn", json={"email": "taken@example.com"}), 409,
                 "email-already-in-use")
    assert_error(await api.post("/v1/signup/webauthn", json={"email": "x@example.com",
                                                             "options": {"defaultRole": "admin"}}),
                 400, "default-role-must-be-in-allowed-roles")
    # the address is taken between the two calls: nothing is created, the key is not kept
    started = (await api.post("/v1/signup/webauthn", json={"email": "late@example.com"})).json()
    await session_for(api, "late@example.com")
    response = await api.post("/v1/signup/webauthn/verify", json={"credential": authenticator.create(started)})
    assert_error(response, 409, "email-already-in-use")
    assert await count(api, Credential, Credential.type == "webauthn") == 0
    # a malformed PKCE challenge (not 43 base64url characters) is refused before anything is created
    started = (await api.post("/v1/signup/webauthn", json={"email": "pkce@example.com"})).json()
    response = await api.post("/v1/signup/webauthn/verify", json={"credential": authenticator.create(started),
                                                                   "codeChallenge": "a" * 42})
    assert_error(response, 400, "invalid-request")


async def test_sign_up_with_verification_required_mails_the_link(
    make_client: Any, clock: FakeClock, authenticator: SoftAuthenticator
) -> None:
    api = await make_client(clock=clock, email_verification_required=True, **WEBAUTHN)
    started = (await api.post("/v1/signup/webauthn", json={"email": "ada@example.com"})).json()
    response = await api.post("/v1/signup/webauthn/verify", json={"credential": authenticator.create(started)})
    assert response.status_code == 200, response.text
    assert response.json() == {"session": None}
    assert await count(api, Ticket, Ticket.kind == "verifyEmail") == 1
    # the passkey does not open a session either until the address is verified
    options = await sign_in_options(api)
    assert_error(await api.post("/v1/signin/webauthn/verify", json={"credential": authenticator.get(options)}),
                 401, "unverified-user")


async def test_sign_up_records_a_code_challenge_in_the_verification_link(
    make_client: Any, clock: FakeClock, authenticator: SoftAuthenticator
) -> None:
    api = await make_client(clock=clock, email_verification_required=True, **WEBAUTHN)
    started = (await api.post("/v1/signup/webauthn", json={"email": "ada@example.com"})).json()
    challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"  # RFC 7636's example S256 challenge
    response = await api.post("/v1/signup/webauthn/verify", json={"credential": authenticator.create(started),
                                                                   "codeChallenge": challenge})
    assert response.status_code == 200 and response.json() == {"session": None}, response.text
    async with api.core.db.read() as s:  # type: ignore[attr-defined]
        ticket = (await s.scalars(select(Ticket).where(Ticket.kind == "verifyEmail"))).one()
    assert ticket.payload["codeChallenge"] == challenge  # following the link answers a code (test_pkce_exchange)


async def test_sign_up_disabled(make_client: Any, authenticator: SoftAuthenticator) -> None:
    api = await make_client(disable_signup=True, **WEBAUTHN)
    assert_error(await api.post("/v1/signup/webauthn", json={"email": "ada@example.com"}), 403, "signup-disabled")


async def test_webauthn_off_is_a_disabled_endpoint(make_client: Any) -> None:
    api = await make_client()
    for path, body in (("/v1/signup/webauthn", {"email": "a@example.com"}), ("/v1/signin/webauthn", {})):
        assert_error(await api.post(path, json=body), 409, "disabled-endpoint")


# -- sign-in
async def test_sign_in_with_a_passkey_without_email(api: httpx.AsyncClient, authenticator: SoftAuthenticator) -> None:
    signed_up = await passkey_user(api, authenticator)
    options = await sign_in_options(api)
    assert options["rpId"] == "example.com"
    assert options["allowCredentials"] == []  # any passkey of this site
    assert options["userVerification"] == "preferred"
    response = await api.post("/v1/signin/webauthn/verify", json={"credential": authenticator.get(options)})
    assert response.status_code == 200, response.text
    session = response.json()["session"]
    assert session["user"]["id"] == signed_up["user"]["id"]
    claims = claims_of(session)
    assert claims["amr"] == ["hwk"]
    assert claims[NAMESPACE]["x-hasura-auth-elevated"] == claims["sub"]  # a fresh proof
    async with api.core.db.read() as db:  # type: ignore[attr-defined]
        event = (await db.scalars(select(AuditEvent).where(AuditEvent.event == "user.signed_in"))).all()[-1]
    assert event.data["method"] == "webauthn_uv"
    # nhost-js sends no body at all when called without an email
    empty = await api.post("/v1/signin/webauthn", headers={"content-type": "application/json"})
    assert empty.status_code == 200, empty.text


async def test_sign_in_with_email_lists_the_accounts_keys(api: httpx.AsyncClient,
                                                          authenticator: SoftAuthenticator) -> None:
    await passkey_user(api, authenticator)
    options = await sign_in_options(api, "ADA@example.com")
    assert [d["id"] for d in options["allowCredentials"]] == [b64url(authenticator.keys[0].credential_id)]
    assert options["allowCredentials"][0]["type"] == "public-key"
    response = await api.post("/v1/signin/webauthn/verify",
                              json={"credential": authenticator.get(options), "email": "ada@example.com"})
    assert response.status_code == 200, response.text
    assert response.json()["session"]["user"]["email"] == "ada@example.com"


async def test_sign_in_with_email_is_bound_to_that_account(api: httpx.AsyncClient) -> None:
    ada, bob = SoftAuthenticator(ORIGIN), SoftAuthenticator(ORIGIN)
    await passkey_user(api, ada, "ada@example.com")
    await passkey_user(api, bob, "bob@example.com")
    # Bob's passkey on a challenge issued for Ada's address
    options = await sign_in_options(api, "ada@example.com")
    response = await api.post("/v1/signin/webauthn/verify",
                              json={"credential": bob.get({**options, "allowCredentials": []})})
    assert_error(response, 400, "invalid-request")
    # an unknown address gets options all the same (no enumeration), and no key fits them
    unknown = await sign_in_options(api, "nobody@example.com")
    assert unknown["allowCredentials"] == []
    response = await api.post("/v1/signin/webauthn/verify", json={"credential": bob.get(unknown)})
    assert_error(response, 400, "invalid-request")


async def test_totp_user_needs_the_second_factor_without_user_verification(
    api: httpx.AsyncClient, authenticator: SoftAuthenticator, clock: FakeClock
) -> None:
    session = await passkey_user(api, authenticator)
    secret = (await api.get("/v1/mfa/totp/generate", headers=bearer(session))).json()["totpSecret"]
    activated = await api.post("/v1/user/mfa", headers=bearer(session),
                               json={"code": pyotp.TOTP(secret).at(clock.now), "activeMfaType": "totp"})
    assert activated.status_code == 200, activated.text
    # user verification (PIN, biometric) on the key: two factors in one, no TOTP step
    options = await sign_in_options(api)
    response = await api.post("/v1/signin/webauthn/verify", json={"credential": authenticator.get(options)})
    assert response.status_code == 200, response.text
    assert response.json()["session"] is not None
    # without user verification: the usual MFA challenge, completed with TOTP
    options = await sign_in_options(api)
    response = await api.post("/v1/signin/webauthn/verify",
                              json={"credential": authenticator.get(options, user_verified=False)})
    assert response.status_code == 200, response.text
    assert response.json()["session"] is None
    ticket = response.json()["mfa"]["ticket"]
    assert ticket.startswith("mfaTotp:")
    clock.advance(30)
    completed = await api.post("/v1/signin/mfa/totp",
                               json={"ticket": ticket, "otp": pyotp.TOTP(secret).at(clock.now)})
    assert completed.status_code == 200, completed.text
    assert claims_of(completed.json()["session"])["amr"] == ["hwk", "otp", "mfa"]


async def test_a_key_answers_the_second_factor_of_a_password_sign_in(
    api: httpx.AsyncClient, authenticator: SoftAuthenticator, clock: FakeClock
) -> None:
    """A user with a key and TOTP may use either for the second factor (the ticket is the same)."""
    session = await passkey_user(api, authenticator)
    headers = bearer(session)
    assert (await api.post("/v1/user/password", headers=headers,
                           json={"newPassword": "correct horse battery staple"})).status_code == 200
    secret = (await api.get("/v1/mfa/totp/generate", headers=bearer(session))).json()["totpSecret"]
    assert (await api.post("/v1/user/mfa", headers=headers,
                           json={"code": pyotp.TOTP(secret).at(clock.now), "activeMfaType": "totp"})).status_code == 200

    async def ticket() -> str:
        answer = await api.post("/v1/signin/email-password", json={"email": "ada@example.com",
                                                                   "password": "correct horse battery staple"})
        assert answer.status_code == 200 and answer.json()["session"] is None, answer.text
        value: str = answer.json()["mfa"]["ticket"]
        return value

    first = await ticket()
    options = await api.post("/v1/signin/mfa/webauthn", json={"ticket": first})
    assert options.status_code == 200, options.text
    answer = authenticator.get(options.json(), user_verified=False)
    done = await api.post("/v1/signin/mfa/webauthn/verify", json={"ticket": first, "credential": answer})
    assert done.status_code == 200, done.text
    assert claims_of(done.json()["session"])["amr"] == ["pwd", "hwk", "mfa"]
    replayed = await api.post("/v1/signin/mfa/webauthn/verify", json={"ticket": first, "credential": answer})
    assert replayed.status_code in (400, 401) and replayed.json()["error"]
    # a challenge issued for one pending sign-in does not answer another one
    second, third = await ticket(), await ticket()
    stray = (await api.post("/v1/signin/mfa/webauthn", json={"ticket": second})).json()
    refused = await api.post("/v1/signin/mfa/webauthn/verify",
                             json={"ticket": third, "credential": authenticator.get(stray)})
    assert refused.status_code in (400, 401)
    clock.advance(30)
    by_totp = await api.post("/v1/signin/mfa/totp", json={"ticket": third, "otp": pyotp.TOTP(secret).at(clock.now)})
    assert by_totp.status_code == 200, by_totp.text  # the refused attempt spent a guess, not the ticket


async def test_user_verification_required(make_client: Any, clock: FakeClock) -> None:
    api = await make_client(clock=clock, webauthn_user_verification="required", **WEBAUTHN)
    authenticator = SoftAuthenticator(ORIGIN, user_verified=False)
    started = (await api.post("/v1/signup/webauthn", json={"email": "ada@example.com"})).json()
    assert started["authenticatorSelection"]["userVerification"] == "required"
    response = await api.post("/v1/signup/webauthn/verify", json={"credential": authenticator.create(started)})
    assert_error(response, 400, "invalid-request")
    await passkey_user(api, SoftAuthenticator(ORIGIN), "bob@example.com")
    options = await sign_in_options(api)
    assert options["userVerification"] == "required"


# -- refusals
def last_refusal(caplog: pytest.LogCaptureFixture) -> str:
    """Why the server refused the last ceremony (the caller only hears `invalid-request`)."""
    reasons = [r.getMessage() for r in caplog.records if r.name == "authward.webauthn" and "refused" in r.getMessage()]
    assert reasons, "no refusal was logged"
    return reasons[-1]


async def test_each_bad_assertion_is_refused(api: httpx.AsyncClient, authenticator: SoftAuthenticator,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="authward.webauthn")
    await passkey_user(api, authenticator)

    async def refused(credential: dict[str, Any], reason: str) -> None:
        response = await api.post("/v1/signin/webauthn/verify", json={"credential": credential})
        assert_error(response, 400, "invalid-request")
        assert reason in last_refusal(caplog)

    await refused(authenticator.get(await sign_in_options(api), origin="https://evil.example.net"),
                  'Unexpected client data origin "https://evil.example.net"')
    await refused(authenticator.get(await sign_in_options(api), rp_id="evil.example.net"), "Unexpected RP ID hash")
    await refused(authenticator.get(await sign_in_options(api), tamper=True),
                  "Could not verify authentication signature")
    # unknown credential: a key this server never registered
    stranger = SoftAuthenticator(ORIGIN)
    stranger.create({"rp": {"id": "example.com"}, "user": {"id": "c3RyYW5nZXI"}, "challenge": "AAAA"})
    await refused(stranger.get(await sign_in_options(api)), "unknown credential")
    # a good assertion works once; replayed, its challenge is spent
    good = authenticator.get(await sign_in_options(api))
    assert (await api.post("/v1/signin/webauthn/verify", json={"credential": good})).status_code == 200
    await refused(good, "unknown, used or expired challenge")
    # a refused response spends its challenge too: the same challenge, now correctly signed, is refused
    options = await sign_in_options(api)
    await refused(authenticator.get(options, origin="https://evil.example.net"), "Unexpected client data origin")
    await refused(authenticator.get(options), "unknown, used or expired challenge")
    # a challenge of another ceremony: sign-up's at sign-in
    started = (await api.post("/v1/signup/webauthn", json={"email": "new@example.com"})).json()
    await refused(authenticator.get({**started, "rpId": "example.com"}),
                  "a challenge of the 'registration' ceremony, not 'authentication'")
    # a challenge the server never issued
    await refused(authenticator.get({"challenge": "A" * 43, "rpId": "example.com"}),
                  "unknown, used or expired challenge")
    # malformed base64url in the response
    broken = authenticator.get(await sign_in_options(api))
    broken["response"]["clientDataJSON"] = "not base64url!"
    await refused(broken, "malformed response")


async def test_each_bad_registration_is_refused(api: httpx.AsyncClient, authenticator: SoftAuthenticator,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="authward.webauthn")

    async def started() -> dict[str, Any]:
        response = await api.post("/v1/signup/webauthn", json={"email": "ada@example.com"})
        assert response.status_code == 200, response.text
        options: dict[str, Any] = response.json()
        return options

    async def refused(credential: dict[str, Any], reason: str) -> None:
        response = await api.post("/v1/signup/webauthn/verify", json={"credential": credential})
        assert_error(response, 400, "invalid-request")
        assert reason in last_refusal(caplog)

    await refused(authenticator.create(await started(), origin="https://evil.example.net"),
                  "Unexpected client data origin")
    await refused(authenticator.create(await started(), rp_id="evil.example.net"), "Unexpected RP ID hash")
    await refused(authenticator.create({**await sign_in_options(api), "rp": {"id": "example.com"},
                                        "user": {"id": "eA"}}),
                  "a challenge of the 'authentication' ceremony, not 'registration'")
    assert await count(api, User, User.email == "ada@example.com") == 0
    good = authenticator.create(await started())
    assert (await api.post("/v1/signup/webauthn/verify", json={"credential": good})).status_code == 200
    await refused(good, "unknown, used or expired challenge")


async def test_expired_challenge_is_refused(api: httpx.AsyncClient, authenticator: SoftAuthenticator,
                                            clock: FakeClock) -> None:
    await passkey_user(api, authenticator)
    options = await sign_in_options(api)
    clock.advance(60 + 31)  # the ceremony's timeout and its grace
    response = await api.post("/v1/signin/webauthn/verify", json={"credential": authenticator.get(options)})
    assert_error(response, 400, "invalid-request")


async def test_counter_going_backwards_is_refused_and_logged(
    api: httpx.AsyncClient, authenticator: SoftAuthenticator, caplog: pytest.LogCaptureFixture
) -> None:
    await passkey_user(api, authenticator)
    key = authenticator.keys[0]
    for counter in (5, 6):
        options = await sign_in_options(api)
        response = await api.post("/v1/signin/webauthn/verify",
                                  json={"credential": authenticator.get(options, sign_count=counter)})
        assert response.status_code == 200, response.text
    for counter in (6, 3):  # the same value again, then a lower one: a second authenticator holds the key
        options = await sign_in_options(api)
        with caplog.at_level(logging.WARNING, logger="authward.webauthn"):
            response = await api.post("/v1/signin/webauthn/verify",
                                      json={"credential": authenticator.get(options, key=key, sign_count=counter)})
        assert_error(response, 400, "invalid-request")
    assert "possible cloned authenticator" in caplog.text
    async with api.core.db.read() as db:  # type: ignore[attr-defined]
        events = (await db.scalars(select(AuditEvent).where(
            AuditEvent.event == "webauthn.counter_went_backwards"))).all()
        row = (await db.scalars(select(Credential).where(Credential.type == "webauthn"))).one()
    assert [(e.data["stored"], e.data["reported"]) for e in events] == [(6, 6), (6, 3)]
    assert row.data["signCount"] == 6  # a refused assertion does not move the counter


async def test_authenticators_that_always_report_zero_are_allowed(api: httpx.AsyncClient) -> None:
    synced = SoftAuthenticator(ORIGIN, counter="zero")
    await passkey_user(api, synced)
    for _ in range(3):
        options = await sign_in_options(api)
        response = await api.post("/v1/signin/webauthn/verify", json={"credential": synced.get(options)})
        assert response.status_code == 200, response.text


# -- keys on an account, elevation
async def test_add_a_key_from_an_elevated_session(api: httpx.AsyncClient, authenticator: SoftAuthenticator) -> None:
    session = await session_for(api, "ada@example.com")  # a password user
    options = (await api.post("/v1/user/webauthn/add", headers=bearer(session))).json()
    assert options["user"]["id"] and options["user"]["name"] == "ada@example.com"
    assert options["excludeCredentials"] == []
    response = await api.post("/v1/user/webauthn/verify", headers=bearer(session),
                              json={"credential": authenticator.create(options), "nickname": "Yubikey"})
    assert response.status_code == 200, response.text
    added = response.json()
    assert set(added) == {"id", "nickname"} and added["nickname"] == "Yubikey"
    # the second add excludes the first key; the same key again is refused (credential ids are unique)
    options = (await api.post("/v1/user/webauthn/add", headers=bearer(session))).json()
    assert [d["id"] for d in options["excludeCredentials"]] == [
        (await api.get("/v1/user/webauthn", headers=bearer(session))).json()["securityKeys"][0]["credentialId"]]
    again = authenticator.create(options, key=authenticator.keys[0])
    assert_error(await api.post("/v1/user/webauthn/verify", headers=bearer(session), json={"credential": again}),
                 400, "invalid-request")
    response = await api.post("/v1/user/webauthn/verify", headers=bearer(session),
                              json={"credential": authenticator.create(
                                  (await api.post("/v1/user/webauthn/add", headers=bearer(session))).json())})
    assert response.status_code == 200 and response.json() == {"id": response.json()["id"]}  # no nickname
    # now a passkey signs the password user in
    options = await sign_in_options(api, "ada@example.com")
    assert len(options["allowCredentials"]) == 2
    signed_in = await api.post("/v1/signin/webauthn/verify", json={"credential": authenticator.get(options)})
    assert signed_in.status_code == 200, signed_in.text
    # a challenge issued to another user is refused
    other = await session_for(api, "bob@example.com")
    bobs = (await api.post("/v1/user/webauthn/add", headers=bearer(other))).json()
    assert_error(await api.post("/v1/user/webauthn/verify", headers=bearer(session),
                                json={"credential": authenticator.create(bobs)}), 400, "invalid-request")
    assert_error(await api.post("/v1/user/webauthn/add"), 401, "unauthenticated-user")


async def test_adding_a_key_needs_elevation_when_required(make_client: Any, clock: FakeClock,
                                                          authenticator: SoftAuthenticator) -> None:
    api = await make_client(clock=clock, require_elevated_claim=True, **WEBAUTHN)
    session = await session_for(api, "ada@example.com")
    refreshed = await api.post("/v1/token", json={"refreshToken": session["refreshToken"]})
    assert_error(await api.post("/v1/user/webauthn/add", headers=bearer(refreshed.json())), 401,
                 "elevated-claim-required")
    assert (await api.post("/v1/user/webauthn/add", headers=bearer(session))).status_code == 200


async def test_elevate_with_a_key(api: httpx.AsyncClient, authenticator: SoftAuthenticator) -> None:
    session = await session_for(api, "ada@example.com")
    assert_error(await api.post("/v1/elevate/webauthn", headers=bearer(session)), 400, "invalid-request")  # no key
    options = (await api.post("/v1/user/webauthn/add", headers=bearer(session))).json()
    await api.post("/v1/user/webauthn/verify", headers=bearer(session), json={"credential": authenticator.create(options)})
    refreshed = (await api.post("/v1/token", json={"refreshToken": session["refreshToken"]})).json()
    assert NAMESPACE not in claims_of(refreshed) or "x-hasura-auth-elevated" not in claims_of(refreshed)[NAMESPACE]
    options = (await api.post("/v1/elevate/webauthn", headers=bearer(refreshed))).json()
    assert len(options["allowCredentials"]) == 1
    response = await api.post("/v1/elevate/webauthn/verify", headers=bearer(refreshed),
                              json={"credential": authenticator.get(options)})
    assert response.status_code == 200, response.text
    elevated = claims_of(response.json()["session"])
    assert elevated["amr"] == ["pwd", "hwk", "mfa"]
    assert elevated[NAMESPACE]["x-hasura-auth-elevated"] == elevated["sub"]
    # a sign-in challenge is not an elevation challenge, and elevation needs a bearer token
    options = await sign_in_options(api)
    assert_error(await api.post("/v1/elevate/webauthn/verify", headers=bearer(refreshed),
                                json={"credential": authenticator.get(options)}), 400, "invalid-request")
    assert_error(await api.post("/v1/elevate/webauthn"), 401, "unauthenticated-user")
    # another user's key does not elevate this session
    bob = SoftAuthenticator(ORIGIN)
    await passkey_user(api, bob, "bob@example.com")
    options = (await api.post("/v1/elevate/webauthn", headers=bearer(refreshed))).json()
    assert_error(await api.post("/v1/elevate/webauthn/verify", headers=bearer(refreshed),
                                json={"credential": bob.get({**options, "allowCredentials": []})}),
                 400, "invalid-request")



async def test_a_provider_link_is_a_way_in_so_the_last_key_may_go(
    make_client: Any, clock: FakeClock, authenticator: SoftAuthenticator
) -> None:
    import uuid

    from authward.storage.models import ProviderLink
    from authward.storage.repos import provider_links as links_repo

    api = await make_client(clock=clock, email_passwordless_enabled=False, email_otp_enabled=False, **WEBAUTHN)
    session = await passkey_user(api, authenticator)
    only = (await api.get("/v1/user/webauthn", headers=bearer(session))).json()["securityKeys"][0]
    now = datetime.now(UTC)
    async with api.core.db.write() as db_session:  # type: ignore[attr-defined]
        await links_repo.add(db_session, ProviderLink(
            id=uuid.uuid4(), user_id=uuid.UUID(session["user"]["id"]), provider="github", provider_user_id="42",
            access_token_encrypted=None, refresh_token_encrypted=None, created_at=now, updated_at=now))
    assert (await api.delete(f"/v1/user/webauthn/{only['id']}", headers=bearer(session))).status_code == 200


async def test_list_rename_remove_and_the_last_way_in(
    make_client: Any, clock: FakeClock, authenticator: SoftAuthenticator
) -> None:
    # no links or codes by email here: a passkey-only user has nothing else to sign in with
    api = await make_client(clock=clock, email_passwordless_enabled=False, email_otp_enabled=False, **WEBAUTHN)
    session = await passkey_user(api, authenticator)
    keys = (await api.get("/v1/user/webauthn", headers=bearer(session))).json()["securityKeys"]
    assert len(keys) == 1
    only = keys[0]
    assert set(only) == {"id", "credentialId", "nickname", "transports", "backedUp", "createdAt", "lastUsedAt"}
    renamed = await api.patch(f"/v1/user/webauthn/{only['id']}", headers=bearer(session), json={"nickname": "Phone"})
    assert renamed.status_code == 200 and renamed.json()["nickname"] == "Phone"
    refused = await api.delete(f"/v1/user/webauthn/{only['id']}", headers=bearer(session))
    assert_error(refused, 400, "invalid-request")
    assert "last way to sign in" in refused.json()["message"]
    # with a second key, the first may go
    options = (await api.post("/v1/user/webauthn/add", headers=bearer(session))).json()
    second = SoftAuthenticator(ORIGIN)
    added = await api.post("/v1/user/webauthn/verify", headers=bearer(session),
                           json={"credential": second.create(options)})
    assert added.status_code == 200, added.text
    assert (await api.delete(f"/v1/user/webauthn/{only['id']}", headers=bearer(session))).status_code == 200
    assert_error(await api.delete(f"/v1/user/webauthn/{added.json()['id']}", headers=bearer(session)), 400,
                 "invalid-request")
    # the removed key signs in no more
    options = await sign_in_options(api)
    assert_error(await api.post("/v1/signin/webauthn/verify",
                                json={"credential": authenticator.get(options, key=authenticator.keys[0])}),
                 400, "invalid-request")
    # another user's key, or no such key: not found
    other = await session_for(api, "bob@example.com")
    assert_error(await api.delete(f"/v1/user/webauthn/{added.json()['id']}", headers=bearer(other)), 404, "not-found")
    assert_error(await api.patch("/v1/user/webauthn/nope", headers=bearer(other), json={"nickname": "x"}), 404,
                 "not-found")


async def test_a_verified_email_with_links_on_is_a_way_in(api: httpx.AsyncClient,
                                                          authenticator: SoftAuthenticator) -> None:
    session = await passkey_user(api, authenticator)
    key_id = (await api.get("/v1/user/webauthn", headers=bearer(session))).json()["securityKeys"][0]["id"]
    assert_error(await api.delete(f"/v1/user/webauthn/{key_id}", headers=bearer(session)), 400, "invalid-request")
    async with api.core.db.write() as db:  # type: ignore[attr-defined]
        user = (await db.scalars(select(User).where(User.email == "ada@example.com"))).one()
        user.email_verified = True
    assert (await api.delete(f"/v1/user/webauthn/{key_id}", headers=bearer(session))).status_code == 200
    assert (await api.get("/v1/user/webauthn", headers=bearer(session))).json() == {"securityKeys": []}


async def test_password_users_may_remove_every_key(api: httpx.AsyncClient, authenticator: SoftAuthenticator) -> None:
    session = await session_for(api, "ada@example.com")
    options = (await api.post("/v1/user/webauthn/add", headers=bearer(session))).json()
    added = await api.post("/v1/user/webauthn/verify", headers=bearer(session),
                           json={"credential": authenticator.create(options)})
    response = await api.delete(f"/v1/user/webauthn/{added.json()['id']}", headers=bearer(session))
    assert response.status_code == 200 and response.json() == "OK"  # the password stays the way in
