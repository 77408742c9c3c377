"""Auth0's Authentication API in process, on SQLite and PostgreSQL: database connection, the Auth0
grants (each per client), MFA, passwordless, token exchange, the legacy v2 endpoints and logout."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import jwt
import pyotp
import pytest

from authward.services.oauth.clients import KNOWN_GRANT_TYPES, ClientRegistry, ClientSpec
from tests.integration.helpers import PASSWORD

CONNECTION = "Username-Password-Authentication"
API = "https://api.example.com"
PASSWORD_GRANT = "password"
OTP_GRANT = "http://auth0.com/oauth/grant-type/passwordless/otp"
MFA_OTP = "http://auth0.com/oauth/grant-type/mfa-otp"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"


@pytest.fixture
async def api(make_client: Any) -> httpx.AsyncClient:
    return await make_client(email_verification_required=False, dev_mode=True, sms_passwordless_enabled=True)


async def register(api: httpx.AsyncClient, *, grants: list[str] | None = None, legacy: bool = False,
                   name: str = "Auth0 app") -> tuple[str, str]:
    spec = ClientSpec(name=name, redirect_uris=["https://app.example.com/cb"],
                      grant_types=grants if grants is not None else sorted(KNOWN_GRANT_TYPES), audiences=[API],
                      scopes=["openid", "profile", "email", "offline_access", "read:things"],
                      post_logout_redirect_uris=["https://app.example.com/bye"], legacy_endpoints=legacy)
    created = await api.runtime.get(ClientRegistry).create(spec)  # type: ignore[attr-defined]
    assert created.secret is not None
    return created.client.client_id, created.secret


async def signup(api: httpx.AsyncClient, client_id: str, email: str = "ada@example.com", **extra: Any
                 ) -> httpx.Response:
    return await api.post("/dbconnections/signup", json={"client_id": client_id, "email": email, "password": PASSWORD,
                                                         "connection": CONNECTION, **extra})


async def token(api: httpx.AsyncClient, client: tuple[str, str], **form: str) -> httpx.Response:
    return await api.post("/oauth/token", data={"client_id": client[0], "client_secret": client[1], **form})


async def password_grant(api: httpx.AsyncClient, client: tuple[str, str], password: str = PASSWORD,
                         **extra: str) -> httpx.Response:
    return await token(api, client, grant_type=PASSWORD_GRANT, username="ada@example.com", password=password,
                       scope="openid profile email offline_access", **extra)


def error_of(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    return body


async def outbox_code(api: httpx.AsyncClient, to: str) -> str:
    await api.core.background.drain(grace=5)  # type: ignore[attr-defined]
    messages = (await api.get("/dev/outbox", params={"to": to})).json()["messages"]
    found = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert found is not None
    return found.group(1)


# -- the database connection
async def test_signup_answers_the_auth0_user_and_auth0_errors(api: httpx.AsyncClient) -> None:
    client = await register(api)
    created = await signup(api, client[0], given_name="Ada", user_metadata={"plan": "pro"})
    body = created.json()
    assert created.status_code == 200 and body["email"] == "ada@example.com" and body["email_verified"] is False
    assert body["_id"] and body["given_name"] == "Ada" and body["user_metadata"] == {"plan": "pro"}
    duplicate = await signup(api, client[0])
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": "BadRequestError", "code": "user_exists",
                                "description": "The user already exists.", "statusCode": 400}
    short = await api.post("/dbconnections/signup", json={"client_id": client[0], "email": "b@example.com",
                                                          "password": "short", "connection": CONNECTION})
    assert short.json()["code"] == "invalid_password"
    assert (await signup(api, client[0], "c@example.com", connection="Other")).json()["code"] == "invalid_connection"
    assert (await signup(api, "aw_unknown", "d@example.com")).status_code == 401
    # Auth0's bounds on user_metadata: ten string properties, names <= 100 and values <= 500 characters
    for metadata in ({f"k{n}": "v" for n in range(11)}, {"k" * 101: "v"}, {"plan": "v" * 501}, {"plan": 1}):
        refused = await signup(api, client[0], "e@example.com", user_metadata=metadata)
        assert refused.status_code == 400 and refused.json()["code"] == "invalid_signup", (metadata, refused.text)
    at_bounds = {"k" * 100: "v" * 500, **{f"k{n}": "v" for n in range(9)}}
    kept = await signup(api, client[0], "e@example.com", user_metadata=at_bounds)
    assert kept.status_code == 200 and kept.json()["user_metadata"] == at_bounds


async def test_change_password_mails_a_reset_link_and_answers_text(api: httpx.AsyncClient) -> None:
    client = await register(api)
    await signup(api, client[0])
    answer = await api.post("/dbconnections/change_password", json={"client_id": client[0], "email": "ada@example.com",
                                                                    "connection": CONNECTION})
    assert answer.status_code == 200 and answer.json() == "We've just sent you an email to reset your password."
    await api.core.background.drain(grace=5)  # type: ignore[attr-defined]
    mails = (await api.get("/dev/outbox", params={"to": "ada@example.com"})).json()["messages"]
    assert any("passwordReset:" in mail["text"] for mail in mails)
    unknown = await api.post("/dbconnections/change_password", json={"client_id": client[0],
                                                                     "email": "nobody@example.com",
                                                                     "connection": CONNECTION})
    assert unknown.json() == answer.json()  # the same answer: nothing tells who is registered


# -- the grants
async def test_password_and_password_realm_grants(api: httpx.AsyncClient) -> None:
    client = await register(api)
    await signup(api, client[0])
    tokens = (await password_grant(api, client)).json()
    id_token = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert id_token["aud"] == client[0] and "nonce" not in id_token and tokens["refresh_token"]
    realm = await token(api, client, grant_type="http://auth0.com/oauth/grant-type/password-realm",
                        username="ada@example.com", password=PASSWORD, realm=CONNECTION)
    assert realm.status_code == 200
    error_of(await password_grant(api, client, "wrong password!"), 403, "invalid_grant")
    error_of(await token(api, client, grant_type="http://auth0.com/oauth/grant-type/password-realm",
                         username="ada@example.com", password=PASSWORD, realm="Other"), 400, "invalid_request")
    with_api = (await password_grant(api, client, audience=API)).json()
    assert API in jwt.decode(with_api["access_token"], options={"verify_signature": False})["aud"]


async def test_every_grant_is_refused_to_a_client_not_allowed_it(api: httpx.AsyncClient) -> None:
    narrow = await register(api, grants=["authorization_code"], name="Narrow")
    for grant in (PASSWORD_GRANT, OTP_GRANT, MFA_OTP, EXCHANGE, "http://auth0.com/oauth/grant-type/password-realm",
                  "http://auth0.com/oauth/grant-type/mfa-recovery-code", "refresh_token", "client_credentials"):
        error_of(await token(api, narrow, grant_type=grant), 403, "unauthorized_client")
    error_of(await token(api, narrow, grant_type="urn:example:unknown"), 400, "unsupported_grant_type")
    error_of(await api.post("/oauth/token", data={"grant_type": PASSWORD_GRANT, "client_id": narrow[0],
                                                  "client_secret": "wrong"}), 401, "invalid_client")
    refused = await api.post("/passwordless/start", json={"client_id": narrow[0], "client_secret": narrow[1],
                                                          "connection": "email", "email": "a@example.com"})
    error_of(refused, 403, "unauthorized_client")


async def test_refresh_after_revoke_is_403_invalid_grant(api: httpx.AsyncClient) -> None:
    client = await register(api)
    await signup(api, client[0])
    tokens = (await password_grant(api, client)).json()
    revoked = await api.post("/oauth/revoke", json={"client_id": client[0], "client_secret": client[1],
                                                    "token": tokens["refresh_token"]})
    assert revoked.status_code == 200
    error_of(await token(api, client, grant_type="refresh_token", refresh_token=tokens["refresh_token"]), 403,
             "invalid_grant")


# -- MFA
async def enrol_totp(api: httpx.AsyncClient) -> str:
    session = (await api.post("/signin/email-password", json={"email": "ada@example.com",
                                                              "password": PASSWORD})).json()["session"]
    headers = {"authorization": f"Bearer {session['accessToken']}"}
    secret: str = (await api.get("/mfa/totp/generate", headers=headers)).json()["totpSecret"]
    activated = await api.post("/user/mfa", json={"code": pyotp.TOTP(secret).now(), "activeMfaType": "totp"},
                               headers=headers)
    assert activated.status_code == 200
    return secret


async def test_mfa_required_then_challenge_then_mfa_otp(api: httpx.AsyncClient) -> None:
    client, other = await register(api), await register(api, name="Other")
    await signup(api, client[0])
    secret = await enrol_totp(api)
    required = error_of(await password_grant(api, client), 403, "mfa_required")
    mfa_token = required["mfa_token"]
    challenge = await api.post("/mfa/challenge", json={"client_id": client[0], "client_secret": client[1],
                                                      "mfa_token": mfa_token, "challenge_type": "otp"})
    assert challenge.json() == {"challenge_type": "otp"}
    listed = await api.get("/mfa/authenticators", headers={"authorization": f"Bearer {mfa_token}"})
    assert [a["authenticator_type"] for a in listed.json()] == ["otp", "recovery-code"]
    error_of(await api.post("/mfa/associate", headers={"authorization": f"Bearer {mfa_token}"},
                            json={"authenticator_types": ["otp"]}), 400, "invalid_request")
    code = pyotp.TOTP(secret).at(time.time() + 30)
    error_of(await token(api, other, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code), 403, "invalid_grant")
    first_party = await api.post("/signin/mfa/totp", json={"ticket": mfa_token, "otp": code})
    assert first_party.status_code == 401  # a client's ticket is not completed by the Nhost face
    done = await token(api, client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code)
    assert done.status_code == 200, done.text
    access = jwt.decode(done.json()["access_token"], options={"verify_signature": False})
    assert access["amr"] == ["pwd", "otp", "mfa"] and access["client_id"] == client[0]
    error_of(await token(api, client, grant_type=MFA_OTP, mfa_token=mfa_token, otp=code), 403, "invalid_grant")


# -- passwordless
async def test_passwordless_email_code_and_sms_code(api: httpx.AsyncClient) -> None:
    client = await register(api)
    started = await api.post("/passwordless/start", json={"client_id": client[0], "client_secret": client[1],
                                                          "connection": "email", "email": "new@example.com",
                                                          "send": "code"})
    assert started.status_code == 200
    code = await outbox_code(api, "new@example.com")
    error_of(await token(api, client, grant_type=OTP_GRANT, username="new@example.com", otp="000000",
                         realm="email"), 403, "invalid_grant")
    signed_in = await token(api, client, grant_type=OTP_GRANT, username="new@example.com", otp=code, realm="email",
                            scope="openid email")
    assert signed_in.status_code == 200, signed_in.text
    assert jwt.decode(signed_in.json()["id_token"], options={"verify_signature": False})["email"] == "new@example.com"
    sms = await api.post("/passwordless/start", json={"client_id": client[0], "client_secret": client[1],
                                                      "connection": "sms", "phone_number": "+14155552671"})
    assert sms.status_code == 200
    sms_code = await outbox_code(api, "+14155552671")
    by_sms = await token(api, client, grant_type=OTP_GRANT, username="+14155552671", otp=sms_code, realm="sms")
    assert by_sms.status_code == 200, by_sms.text


# -- RFC 8693 token exchange
async def test_token_exchange_narrows_and_is_bound_to_its_client(api: httpx.AsyncClient) -> None:
    client, other = await register(api), await register(api, name="Other")
    await signup(api, client[0])
    tokens = (await password_grant(api, client)).json()
    exchanged = await token(api, client, grant_type=EXCHANGE, subject_token=tokens["access_token"],
                            subject_token_type=ACCESS, audience=API, scope="openid")
    assert exchanged.status_code == 200, exchanged.text
    body = exchanged.json()
    assert body["issued_token_type"] == ACCESS and "refresh_token" not in body
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == API and claims["scope"] == "openid" and claims["sub"] == jwt.decode(
        tokens["access_token"], options={"verify_signature": False})["sub"]
    error_of(await token(api, client, grant_type=EXCHANGE, subject_token=tokens["access_token"],
                         subject_token_type=ACCESS, audience=API, scope="openid read:things"), 400, "invalid_scope")
    error_of(await token(api, client, grant_type=EXCHANGE, subject_token=tokens["access_token"],
                         subject_token_type=ACCESS, audience="https://elsewhere.example.com"), 400, "invalid_target")
    error_of(await token(api, other, grant_type=EXCHANGE, subject_token=tokens["refresh_token"],
                         subject_token_type="urn:ietf:params:oauth:token-type:refresh_token", audience=API), 403,
             "invalid_grant")
    by_id_token = await token(api, client, grant_type=EXCHANGE, subject_token=tokens["id_token"],
                              subject_token_type="urn:ietf:params:oauth:token-type:id_token", audience=API)
    assert by_id_token.status_code == 200


# -- the legacy v2 endpoints
async def test_legacy_endpoints_only_for_clients_allowed_them(api: httpx.AsyncClient) -> None:
    modern, legacy = await register(api, name="Modern"), await register(api, legacy=True, name="Legacy")
    await signup(api, legacy[0])
    ro_body = {"username": "ada@example.com", "password": PASSWORD, "connection": CONNECTION,
               "grant_type": "password", "scope": "openid"}
    error_of(await api.post("/oauth/ro", json={"client_id": modern[0], **ro_body}), 403, "unauthorized_client")
    ro = await api.post("/oauth/ro", json={"client_id": legacy[0], **ro_body})
    assert ro.status_code == 200, ro.text
    id_token = ro.json()["id_token"]
    info = await api.post("/tokeninfo", json={"id_token": id_token})
    assert info.status_code == 200 and info.json()["email"] == "ada@example.com"
    delegated = await api.post("/delegation", json={"client_id": legacy[0], "id_token": id_token,
                                                    "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                                    "target": modern[0], "scope": "openid"})
    assert delegated.status_code == 200, delegated.text
    assert jwt.decode(delegated.json()["id_token"], options={"verify_signature": False})["aud"] == modern[0]
    modern_tokens = (await password_grant(api, modern)).json()
    assert (await api.post("/tokeninfo", json={"id_token": modern_tokens["id_token"]})).status_code == 403


# -- logout
async def test_v2_logout_only_to_an_allowed_url(api: httpx.AsyncClient) -> None:
    client = await register(api)
    refused = await api.get("/v2/logout", params={"client_id": client[0], "returnTo": "https://evil.example.com"})
    assert refused.status_code == 400 and "location" not in refused.headers
    allowed = await api.get("/v2/logout", params={"client_id": client[0], "returnTo": "https://app.example.com/bye"})
    assert allowed.status_code == 302 and allowed.headers["location"] == "https://app.example.com/bye"
    assert (await api.get("/v2/logout")).text == "OK"
