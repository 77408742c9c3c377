"""Two-factor, personal access tokens and anonymous users through the SDK, on the real server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from authward.client import (
    AuthClient,
    InvalidCredentials,
    MfaError,
    MfaRequired,
    SessionRevoked,
    Unauthenticated,
)
from tests.e2e.conftest import LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def new_email() -> str:
    return f"mfa-{uuid.uuid4().hex[:10]}@example.com"


def code(secret: str, steps_ahead: int = 0) -> str:
    """A code for this 30 s step or a later one: the server takes each step's code once, ±1 step."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[AuthClient]:
    with AuthClient(live_server.url, timeout=30) as auth:
        yield auth


def enrolled(client: AuthClient) -> tuple[str, str, list[str]]:
    """A new user with TOTP active: (email, secret, recovery codes)."""
    email = new_email()
    client.register(email, PASSWORD)
    setup = client.change_user_mfa()
    assert setup.image_url.startswith("data:image/png") and setup.totp_secret
    assert client.two_factor.is_enabled() is False
    client.two_factor.enable(code(setup.totp_secret))
    assert client.two_factor.is_enabled() is True
    return email, setup.totp_secret, setup.recovery_codes


def test_totp_enrolment_then_sign_in_needs_the_second_factor(client: AuthClient) -> None:
    email, secret, _ = enrolled(client)
    client.logout()

    result = client.login(email, PASSWORD)
    assert result.mfa_required and result.mfa is not None and result.mfa.ticket.startswith("mfaTotp:")
    assert client.two_factor.is_passed() is False
    with pytest.raises(MfaRequired):
        client.authenticate(email, PASSWORD)
    with pytest.raises(MfaError) as wrong:
        client.two_factor.challenge("000000")
    assert wrong.value.error == "invalid-totp"
    session = client.two_factor.challenge(code(secret, 1))
    assert client.get_token() == session.access_token
    assert client.two_factor.is_passed() is True
    status = client.get_user_mfa()
    assert status.active_mfa_type == "totp" and status.second_factor_passed


def test_two_factor_verify_returns_a_session_without_keeping_it(client: AuthClient) -> None:
    email, secret, _ = enrolled(client)
    client.logout()
    client.sign_in_email_password(email, PASSWORD)
    session = client.two_factor.verify(code(secret, 1))
    assert session.access_token
    assert client.two_factor.is_passed() is False  # still waiting: verify does not log in
    client.login_with_token(session.access_token)
    assert client.whoami() is not None


def test_a_recovery_code_completes_sign_in_once(client: AuthClient) -> None:
    email, _, recovery = enrolled(client)
    assert recovery
    client.logout()
    client.login(email, PASSWORD)
    client.verify_sign_in_mfa_totp(recovery[0])
    assert client.get_user_mfa().recovery_codes_remaining == len(recovery) - 1
    client.logout()
    client.login(email, PASSWORD)
    with pytest.raises(MfaError):
        client.verify_sign_in_mfa_totp(recovery[0])


def test_disable_with_password_returns_a_new_session_and_turns_mfa_off(client: AuthClient) -> None:
    email, secret, _ = enrolled(client)
    with pytest.raises(Unauthenticated):  # the enrolling session never passed the second factor
        client.two_factor.disable(PASSWORD)
    client.logout()
    client.login(email, PASSWORD)
    client.two_factor.challenge(code(secret, 1))
    with pytest.raises(InvalidCredentials):
        client.two_factor.disable("wrong " + PASSWORD)
    token = client.two_factor.disable(PASSWORD)
    assert token == client.get_token()
    assert client.two_factor.is_enabled() is False
    client.logout()
    assert client.login(email, PASSWORD).session is not None  # no challenge any more


def test_elevate_with_a_totp_code(client: AuthClient) -> None:
    _, secret, _ = enrolled(client)
    elevated = client.elevate_totp(code(secret, 1))
    assert elevated.session is not None and client.get_token() == elevated.session.access_token
    assert client.get_user_mfa().elevated is True


def test_regenerate_recovery_codes(client: AuthClient) -> None:
    _, secret, first = enrolled(client)
    fresh = client.regenerate_recovery_codes(code(secret, 1))
    assert fresh and set(fresh).isdisjoint(first)


def test_personal_access_tokens(client: AuthClient, live_server: LiveServer) -> None:
    client.register(new_email(), PASSWORD)
    user_id = client.get_actor_id()
    pat = client.create_pat(datetime.now(UTC) + timedelta(days=1), {"name": "ci"})
    listed = client.list_pats()
    assert [(p.id, p.metadata) for p in listed] == [(pat.id, {"name": "ci"})]

    with AuthClient(live_server.url) as robot:
        robot.login_with_token(pat.personal_access_token)
        assert robot.get_actor_id() == user_id
        robot.logout()
        client.revoke_pat(pat.id)
        assert client.list_pats() == []
        with pytest.raises(InvalidCredentials) as revoked:
            robot.login_with_token(pat.personal_access_token)
        assert revoked.value.error == "invalid-pat"


@pytest.fixture(scope="module")
def anonymous_server(server_factory: ServerFactory) -> LiveServer:
    return server_factory(anonymous_users_enabled=True)


def test_anonymous_user_then_deanonymize(anonymous_server: LiveServer) -> None:
    with AuthClient(anonymous_server.url) as client:
        payload = client.sign_in_anonymous(display_name="Guest")
        assert payload.session is not None
        user = client.get_user()
        assert user.is_anonymous
        email = new_email()
        client.deanonymize_user(email, PASSWORD)
        client.logout()
        client.login(email, PASSWORD)
        again = client.get_user()
        assert again.id == user.id and not again.is_anonymous


def test_refresh_token_of_a_signed_out_session_is_revoked(client: AuthClient) -> None:
    client.register(new_email(), PASSWORD)
    token = client.state.refresh_token()
    client.sign_out()
    with pytest.raises(SessionRevoked):
        client.refresh_token(token)
