"""WebAuthn against the real server process, on SQLite and PostgreSQL: the software authenticator
(tests/webauthn_authenticator.py) answers the options the server gives, through the SDK (sync and async)
and through raw HTTP for the refusals. py_webauthn in the server verifies real attestations and
ECDSA assertions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from authward.client import AsyncAuthClient, AuthClient, InvalidRequest, Unauthenticated
from tests.e2e.conftest import LiveServer, ServerFactory
from tests.webauthn_authenticator import SoftAuthenticator

pytestmark = pytest.mark.e2e

ORIGIN = "http://localhost:3000"
NAMESPACE = "https://hasura.io/jwt/claims"


def webauthn_settings(origin: str = ORIGIN) -> dict[str, Any]:
    return {"webauthn_enabled": True, "webauthn_rp_id": "localhost", "webauthn_rp_name": "authward e2e",
            "webauthn_rp_origins": origin}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, server_factory: ServerFactory) -> LiveServer:
    """WebAuthn on, elevated sessions required (adding a key needs a fresh sign-in)."""
    return server_factory(database=request.param, require_elevated_claim=True, **webauthn_settings())


@pytest.fixture
def client(server: LiveServer) -> Iterator[AuthClient]:
    with AuthClient(server.url, timeout=30) as auth:
        yield auth


def new_email() -> str:
    return f"passkey-{uuid.uuid4().hex[:10]}@example.com"


def claims(access_token: str) -> dict[str, Any]:
    return jwt.decode(access_token, options={"verify_signature": False})


def test_sign_up_and_sign_in_with_and_without_email(client: AuthClient, server: LiveServer) -> None:
    authenticator, email = SoftAuthenticator(ORIGIN), new_email()
    options = client.sign_up_webauthn(email, {"displayName": "Passkey User"})
    assert options["rp"] == {"name": "authward e2e", "id": "localhost"}
    signed_up = client.verify_sign_up_webauthn(authenticator.create(options, fmt="packed"), nickname="laptop")
    assert signed_up.session is not None and signed_up.session.user is not None
    user_id = signed_up.session.user.id
    assert signed_up.session.user.display_name == "Passkey User"
    assert client.whoami().id == user_id  # the SDK keeps the session
    client.logout()

    # a passkey alone (a discoverable credential): no email
    options = client.sign_in_webauthn()
    assert options["allowCredentials"] == []
    result = client.verify_sign_in_webauthn(authenticator.get(options))
    assert result.session is not None and result.session.user is not None and result.session.user.id == user_id
    assert claims(result.session.access_token)["amr"] == ["hwk"]
    client.logout()

    # with the email: the account's keys are listed; the credential may be given as JSON text
    options = client.sign_in_webauthn(email)
    assert len(options["allowCredentials"]) == 1
    result = client.verify_sign_in_webauthn(json.dumps(authenticator.get(options)))
    assert result.session is not None
    keys = client.list_security_keys()
    assert [(k.nickname, k.transports) for k in keys] == [("laptop", [])]


def test_add_a_key_then_elevate_with_it(client: AuthClient, server: LiveServer) -> None:
    email, password = new_email(), "correct horse battery staple"
    client.register(email, password)  # a fresh, elevated session
    authenticator = SoftAuthenticator(ORIGIN)
    added = client.verify_add_security_key(authenticator.create(client.add_security_key()), nickname="Yubikey")
    assert added.nickname == "Yubikey" and uuid.UUID(added.id)
    keys = client.list_security_keys()
    assert [k.id for k in keys] == [added.id]
    assert client.rename_security_key(added.id, "Blue key").nickname == "Blue key"

    # a refreshed token is not elevated: adding another key needs elevation first
    client.refresh_token()
    with pytest.raises(Unauthenticated) as refused:
        client.add_security_key()
    assert refused.value.error == "elevated-claim-required"
    elevated = client.verify_elevate_webauthn(authenticator.get(client.elevate_webauthn()))
    assert elevated.session is not None
    token = claims(elevated.session.access_token)
    assert token["amr"] == ["pwd", "hwk", "mfa"]
    assert token[NAMESPACE]["x-hasura-auth-elevated"] == token["sub"]
    second = SoftAuthenticator(ORIGIN)
    client.verify_add_security_key(second.create(client.add_security_key()))
    assert len(client.list_security_keys()) == 2
    client.remove_security_key(added.id)
    assert [k.nickname for k in client.list_security_keys()] == [None]


async def test_the_async_client(server: LiveServer) -> None:
    authenticator, email = SoftAuthenticator(ORIGIN), new_email()
    async with AsyncAuthClient(server.url, timeout=30) as client:
        options = await client.sign_up_webauthn(email)
        signed_up = await client.verify_sign_up_webauthn(authenticator.create(options))
        assert signed_up.session is not None
        await client.logout()
        result = await client.verify_sign_in_webauthn(authenticator.get(await client.sign_in_webauthn()))
        assert result.session is not None
        keys = await client.list_security_keys()
        assert len(keys) == 1
        with pytest.raises(InvalidRequest) as last:  # a passkey-only account without verified email
            await client.remove_security_key(keys[0].id)
        assert last.value.error == "invalid-request" and "last way to sign in" in last.value.message


# -- refusals, on the wire
class Wire:
    def __init__(self, server: LiveServer) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=30)

    def options(self, email: str | None = None) -> dict[str, Any]:
        response = self.http.post("/signin/webauthn", json={"email": email} if email else {})
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def verify(self, credential: dict[str, Any]) -> httpx.Response:
        return self.http.post("/signin/webauthn/verify", json={"credential": credential})


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid-request"


def test_each_bad_response_is_refused(client: AuthClient, server: LiveServer) -> None:
    authenticator = SoftAuthenticator(ORIGIN)
    client.verify_sign_up_webauthn(authenticator.create(client.sign_up_webauthn(new_email())))
    wire = Wire(server)
    key = authenticator.keys[0]
    assert_refused(wire.verify(authenticator.get(wire.options(), origin="http://localhost:4444")))  # wrong origin
    assert_refused(wire.verify(authenticator.get(wire.options(), rp_id="example.com")))  # wrong RP id
    assert_refused(wire.verify(authenticator.get(wire.options(), tamper=True)))  # tampered signature
    stranger = SoftAuthenticator(ORIGIN)
    stranger.create({"rp": {"id": "localhost"}, "user": {"id": "eA"}, "challenge": "AAAA"})
    assert_refused(wire.verify(stranger.get(wire.options())))  # unknown credential
    good = authenticator.get(wire.options(), key=key, sign_count=10)
    assert wire.verify(good).status_code == 200
    assert_refused(wire.verify(good))  # replayed challenge
    sign_up = wire.http.post("/signup/webauthn", json={"email": new_email()}).json()
    assert_refused(wire.verify(authenticator.get({**sign_up, "rpId": "localhost"}, key=key, sign_count=11)))
    assert_refused(wire.verify(authenticator.get(wire.options(), key=key, sign_count=9)))  # counter backwards
    assert "possible cloned authenticator" in server.log()  # a WARNING: the e2e servers log warnings
    assert wire.verify(authenticator.get(wire.options(), key=key, sign_count=12)).status_code == 200
    wire.http.close()


def test_webauthn_off_answers_disabled_endpoint(server_factory: ServerFactory) -> None:
    plain = server_factory()
    response = httpx.post(f"{plain.url}/signin/webauthn", json={}, timeout=30)
    assert response.status_code == 409 and response.json()["error"] == "disabled-endpoint"


def test_missing_relying_party_settings_stop_the_server(server_factory: ServerFactory) -> None:
    with pytest.raises(RuntimeError) as failed:
        server_factory(webauthn_enabled=True, webauthn_rp_name="x", webauthn_rp_origins=ORIGIN)
    assert "AUTHWARD_WEBAUTHN_RP_ID" in str(failed.value)
