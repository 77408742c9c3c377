"""`AuthenticationClient` / `AsyncAuthenticationClient` against the real server's Auth0 face, over plain http.

The server runs as conftest starts it (http on 127.0.0.1, dev mode: mail and texts go to the dev outbox),
so the SDK is built with `scheme="http"`; the auth0 npm SDKs over TLS are test_auth0_sdk.py's. Clients are
registered with the real `authward clients create`, each Auth0 grant enabled by its `grant_type` value.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pyotp
import pytest

from authward.client import (
    AsyncAuthenticationClient,
    AuthClient,
    AuthenticationClient,
    Conflict,
    InvalidClient,
    InvalidGrant,
    MfaRequired,
    MfaTokenRequired,
    UnauthorizedClient,
)
from authward.client.tokens import unverified_claims
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory
from tests.e2e.inbox import sms_code

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
API = "https://api.example.com"
CONNECTION = "Username-Password-Authentication"
GRANTS = (
    "password",
    "http://auth0.com/oauth/grant-type/password-realm",
    "refresh_token",
    "client_credentials",
    "http://auth0.com/oauth/grant-type/passwordless/otp",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "http://auth0.com/oauth/grant-type/mfa-otp",
    "http://auth0.com/oauth/grant-type/mfa-recovery-code",
)
SCOPES = ("openid", "profile", "email", "offline_access")
CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class App:
    domain: str
    client_id: str
    client_secret: str

    def client(self, *, verify_id_tokens: bool = False) -> AuthenticationClient:
        return AuthenticationClient(self.domain, self.client_id, self.client_secret, scheme="http", timeout=30,
                                    verify_id_tokens=verify_id_tokens)


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory) -> LiveServer:
    return server_factory(dev_mode=True, sms_passwordless_enabled=True, sms_provider="log")


def register(server: LiveServer, *args: str) -> App:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")} | server.env
    done = subprocess.run([AUTHWARD_BIN, "clients", "create", *args, "--json"], env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    created = json.loads(done.stdout)
    return App(server.url.removeprefix("http://"), created["client_id"], created["client_secret"])


@pytest.fixture(scope="module")
def app(server: LiveServer) -> App:
    grants = [arg for grant in GRANTS for arg in ("--grant", grant)]
    scopes = [arg for scope in SCOPES for arg in ("--scope", scope)]
    return register(server, "--name", "Python Auth0 app", *grants, *scopes, "--audience", API)


@pytest.fixture(scope="module")
def code_only(server: LiveServer) -> App:
    """A client allowed none of the Auth0 grants."""
    return register(server, "--name", "Code-only app", "--grant", "authorization_code", "--redirect-uri",
                    "https://code.example.com/callback", "--scope", "openid")


@pytest.fixture
def auth0(app: App) -> Iterator[AuthenticationClient]:
    with app.client() as client:
        yield client


def address(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.com"


def outbox_code(server: LiveServer, to: str, count: int = 1) -> str:
    """The 6-digit code of the `count`-th email to `to` in the dev outbox."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = httpx.get(f"{server.url}/dev/outbox", params={"to": to, "limit": 50}, timeout=10)
        texts = [m["text"] or "" for m in reversed(answer.json()["messages"]) if m["channel"] == "email"]
        if len(texts) >= count:
            found = CODE.search(texts[count - 1])
            assert found, texts[count - 1]
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no email #{count} to {to}")


def outbox_count(server: LiveServer, to: str) -> int:
    answer = httpx.get(f"{server.url}/dev/outbox", params={"to": to, "limit": 50}, timeout=10)
    return len([m for m in answer.json()["messages"] if m["channel"] == "email"])


# -- database connection and the password grants
def test_sign_up_then_password_grant_then_userinfo(auth0: AuthenticationClient) -> None:
    email = address("signup")
    user = auth0.database.sign_up(email, PASSWORD, given_name="Ada", user_metadata={"plan": "pro"})
    assert user.email == email and user.id and user.given_name == "Ada"
    with pytest.raises(Conflict) as taken:
        auth0.database.sign_up(email, PASSWORD)
    assert taken.value.error == "user_exists"

    tokens = auth0.oauth.password_grant(email, PASSWORD, scope=SCOPES)
    assert tokens.token_type.lower() == "bearer" and tokens.id_token and tokens.refresh_token
    assert unverified_claims(tokens.access_token) is not None  # a JWT, also without an audience (docs/auth0.md)
    info = auth0.users.get_info(tokens.access_token)
    assert info.email == email and info.sub

    realm = auth0.oauth.password_grant(email, PASSWORD, CONNECTION, scope="openid")
    assert realm.access_token


def test_id_tokens_pass_the_sdks_own_checks(app: App) -> None:
    pytest.importorskip("jwt")
    email = address("idtoken")
    with app.client(verify_id_tokens=True) as auth0:
        auth0.database.sign_up(email, PASSWORD)
        tokens = auth0.oauth.password_grant(email, PASSWORD, scope="openid email offline_access")
        assert tokens.id_token
        assert auth0.oauth.refresh_token(tokens.refresh_token or "").id_token


def test_a_wrong_password_or_realm(auth0: AuthenticationClient) -> None:
    email = address("wrong")
    auth0.database.sign_up(email, PASSWORD)
    with pytest.raises(InvalidGrant) as wrong:
        auth0.oauth.password_grant(email, "not the password")
    assert wrong.value.status == 403 and wrong.value.error_description == "Wrong email or password."
    with pytest.raises(InvalidGrant) as unknown:
        auth0.oauth.password_grant(address("nobody"), PASSWORD)
    assert unknown.value.status == 403


def test_refresh_rotates_and_a_revoked_token_is_refused(auth0: AuthenticationClient) -> None:
    email = address("refresh")
    auth0.database.sign_up(email, PASSWORD)
    first = auth0.oauth.password_grant(email, PASSWORD, scope=SCOPES)
    assert first.refresh_token
    second = auth0.oauth.refresh_token(first.refresh_token)
    assert second.refresh_token and second.access_token != first.access_token
    assert auth0.oauth.revoke_refresh_token(second.refresh_token) is None
    with pytest.raises(InvalidGrant) as refused:
        auth0.oauth.refresh_token(second.refresh_token)
    assert refused.value.status == 403


def test_change_password_mails_a_link(server: LiveServer, auth0: AuthenticationClient) -> None:
    email = address("reset")
    auth0.database.sign_up(email, PASSWORD)
    before = outbox_count(server, email)
    assert auth0.database.change_password(email) == "We've just sent you an email to reset your password."
    deadline = time.monotonic() + 10
    while outbox_count(server, email) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert outbox_count(server, email) == before + 1


# -- the application's own tokens
def test_client_credentials_and_a_wrong_secret(app: App, auth0: AuthenticationClient) -> None:
    tokens = auth0.oauth.client_credentials_grant(API)
    assert tokens.access_token and tokens.refresh_token is None
    with AuthenticationClient(app.domain, app.client_id, "not-the-secret", scheme="http") as wrong:
        with pytest.raises(InvalidClient) as refused:
            wrong.oauth.client_credentials_grant(API)
    assert refused.value.status == 401


def test_token_exchange_for_another_api(auth0: AuthenticationClient) -> None:
    email = address("exchange")
    auth0.database.sign_up(email, PASSWORD)
    tokens = auth0.oauth.password_grant(email, PASSWORD, scope="openid profile")
    assert tokens.refresh_token  # without offline_access too (docs/auth0.md)
    exchanged = auth0.token_exchange(tokens.access_token, "access_token", audience=API, scope="openid")
    assert exchanged.access_token and exchanged.access_token != tokens.access_token
    assert exchanged.refresh_token is None


# -- passwordless
def test_passwordless_email_code(server: LiveServer, auth0: AuthenticationClient) -> None:
    email = address("otp")
    auth0.database.sign_up(email, PASSWORD)
    auth0.passwordless.send_email(email, "code")
    tokens = auth0.passwordless.login_with_email(email, outbox_code(server, email), scope="openid email")
    assert auth0.users.get_info(tokens.access_token).email == email
    with pytest.raises(InvalidGrant):
        auth0.passwordless.login_with_email(email, "000000")


def test_passwordless_sms_code(server: LiveServer, auth0: AuthenticationClient) -> None:
    phone = f"+4479111{uuid.uuid4().int % 100000:05d}"
    auth0.passwordless.send_sms(phone)
    tokens = auth0.passwordless.login_with_sms(phone, sms_code(server.url, phone), scope="openid")
    assert tokens.access_token and tokens.id_token


# -- MFA: a user with TOTP on
def test_mfa_required_then_otp_or_recovery_code(server: LiveServer, auth0: AuthenticationClient) -> None:
    email = address("mfa")
    auth0.database.sign_up(email, PASSWORD)
    with AuthClient(server.url, timeout=30) as nhost:  # TOTP is enrolled on the Nhost face
        nhost.login(email, PASSWORD)
        setup = nhost.change_user_mfa()
        nhost.two_factor.enable(pyotp.TOTP(setup.totp_secret).now())
    assert setup.recovery_codes

    with pytest.raises(MfaTokenRequired) as required:
        auth0.oauth.password_grant(email, PASSWORD, scope=SCOPES)
    assert required.value.status == 403 and isinstance(required.value, MfaRequired)
    mfa_token = required.value.mfa_token
    assert auth0.mfa.challenge(mfa_token).challenge_type == "otp"
    with pytest.raises(InvalidGrant):
        auth0.mfa.verify_otp(mfa_token, "000000")
    later_code = pyotp.TOTP(setup.totp_secret).at(time.time() + 30)  # a code not used for the enrolment
    tokens = auth0.mfa.verify_otp(mfa_token, later_code)
    assert tokens.access_token and tokens.id_token

    with pytest.raises(MfaTokenRequired) as again:
        auth0.oauth.password_grant(email, PASSWORD)
    recovered = auth0.mfa.verify_recovery_code(again.value.mfa_token, setup.recovery_codes[0])
    assert recovered.access_token


# -- a client not allowed the grants
def test_a_client_without_the_grants_is_refused(code_only: App, auth0: AuthenticationClient) -> None:
    email = address("refused")
    auth0.database.sign_up(email, PASSWORD)
    with code_only.client() as other:
        with pytest.raises(UnauthorizedClient) as refused:
            other.oauth.password_grant(email, PASSWORD)
        assert refused.value.status == 403
        with pytest.raises(UnauthorizedClient):
            other.passwordless.send_email(email, "code")


# -- the async twin
async def test_the_async_client_does_the_same(app: App) -> None:
    email = address("async")
    async with AsyncAuthenticationClient(app.domain, app.client_id, app.client_secret, scheme="http",
                                         timeout=30) as auth0:
        user = await auth0.database.sign_up(email, PASSWORD)
        assert user.email == email
        tokens = await auth0.oauth.password_grant(email, PASSWORD, scope=SCOPES)
        assert (await auth0.users.get_info(tokens.access_token)).email == email
        assert tokens.refresh_token
        await auth0.oauth.revoke_refresh_token(tokens.refresh_token)
        with pytest.raises(InvalidGrant):
            await auth0.oauth.refresh_token(tokens.refresh_token)
