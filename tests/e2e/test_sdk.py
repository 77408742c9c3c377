"""Every SDK method against the real server process (sync and async clients, FileStorage)."""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from authward.client import (
    AsyncAuthClient,
    AuthClient,
    Conflict,
    FileStorage,
    InvalidCredentials,
    InvalidRequest,
    NotLoggedIn,
    SessionRevoked,
    SignUpOptions,
)
from tests.e2e.conftest import LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def new_email() -> str:
    return f"sdk-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[AuthClient]:
    with AuthClient(live_server.url, timeout=30) as auth:
        yield auth


@pytest.fixture(scope="module")
def strict_server(server_factory: ServerFactory) -> LiveServer:
    """No reuse grace: a client that sent an already-rotated refresh token would be caught."""
    return server_factory(refresh_token_reuse_interval=0)


def test_sign_up_sign_in_get_user_and_sign_out(client: AuthClient) -> None:
    email = new_email()
    payload = client.sign_up_email_password(email, PASSWORD, SignUpOptions(display_name="Ada", locale="fr"))
    assert payload.session is not None and payload.session.user is not None
    assert payload.session.user.display_name == "Ada" and payload.session.user.locale == "fr"
    user = client.get_user()
    assert user.email == email and user.id == payload.session.user.id
    client.sign_out()
    assert client.state.load() is None
    with pytest.raises(NotLoggedIn):
        client.get_user()

    result = client.sign_in_email_password(email, PASSWORD)
    assert result.session is not None and not result.mfa_required
    assert client.get_user().email == email


def test_server_errors_arrive_as_typed_errors_with_wire_codes(client: AuthClient) -> None:
    email = new_email()
    client.sign_up_email_password(email, PASSWORD)
    with pytest.raises(Conflict) as conflict:
        client.sign_up_email_password(email, PASSWORD)
    assert conflict.value.status == 409 and conflict.value.error in ("email-already-in-use", "user-already-exists")
    with pytest.raises(InvalidCredentials) as wrong:
        client.sign_in_email_password(email, "wrong " + PASSWORD)
    assert (wrong.value.status, wrong.value.error) == (401, "invalid-email-password")
    with pytest.raises(InvalidRequest) as short:
        client.sign_up_email_password(new_email(), "short")
    assert short.value.error == "password-too-short"


def test_refresh_token_rotates_and_the_old_one_dies(strict_server: LiveServer, tmp_path: Path) -> None:
    with AuthClient(strict_server.url, timeout=30) as client:
        first = client.sign_up_email_password(new_email(), PASSWORD).session
        assert first is not None
        second = client.refresh_token()
        assert second.refresh_token != first.refresh_token
        assert client.state.refresh_token() == second.refresh_token
        with pytest.raises(SessionRevoked):
            client.refresh_token(first.refresh_token)  # explicit, stale: the server refuses it
        assert client.state.load() is None or client.state.refresh_token() == second.refresh_token


def test_sign_out_all_ends_every_session(live_server: LiveServer) -> None:
    email = new_email()
    with AuthClient(live_server.url) as laptop, AuthClient(live_server.url) as phone:
        laptop.register(email, PASSWORD)
        phone.login(email, PASSWORD)
        laptop.sign_out(all=True)
        assert laptop.state.load() is None
        with pytest.raises(SessionRevoked):
            phone.refresh_token()
        assert phone.whoami() is None


def test_service_routes(client: AuthClient, live_server: LiveServer) -> None:
    assert client.health_check() is True
    assert client.get_version()
    jwks = client.get_jwks()
    assert jwks.keys and all(key.kid and key.kty for key in jwks.keys)
    token = client.register(new_email(), PASSWORD)
    assert token is not None
    assert client.verify_token() is True
    assert client.verify_token(token) is True
    assert client.verify_token(token[:-6] + "AAAAAA") is False


def test_balena_surface(client: AuthClient, live_server: LiveServer) -> None:
    email = new_email()
    assert client.is_logged_in() is False and client.whoami() is None
    token = client.register(email, PASSWORD)
    assert token == client.get_token()
    whoami = client.whoami()
    assert whoami is not None and whoami.email == email
    assert client.get_actor_id() == whoami.id == client.get_user_info().id
    assert client.is_logged_in() is True
    assert client.two_factor.is_enabled() is False and client.two_factor.is_passed() is True

    kept = client.state.load()
    other = client.authenticate(email, PASSWORD)
    assert other.count(".") == 2 and client.state.load() == kept  # a second session, not stored
    client.logout()
    assert client.is_logged_in() is False

    client.login_with_token(other)  # a JWT is kept as the access token as is
    assert client.get_token() == other and client.whoami() is not None
    client.logout()  # no refresh token: nothing to revoke, forgets locally
    assert client.state.load() is None


def test_session_persists_across_client_instances_with_file_storage(strict_server: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / "session.json"
    email = new_email()
    with AuthClient(strict_server.url, storage=FileStorage(path)) as first:
        first.register(email, PASSWORD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    with (
        AuthClient(strict_server.url, storage=FileStorage(path)) as second,
        AuthClient(strict_server.url, storage=FileStorage(path)) as third,
    ):
        user = second.whoami()
        assert user is not None and user.email == email
        second.refresh_token()  # rotates; `third` must pick the new token up from the file
        third.refresh_token()  # with no reuse grace, a stale token would revoke the family
        assert second.get_user().email == email
        assert third.get_user().email == email


async def test_async_client_end_to_end(live_server: LiveServer, tmp_path: Path) -> None:
    email = new_email()
    async with AsyncAuthClient(live_server.url, storage=FileStorage(tmp_path / "s.json")) as client:
        token = await client.register(email, PASSWORD)
        assert token is not None
        assert (await client.get_user()).email == email
        refreshed = await client.refresh_token()
        assert await client.get_token() == refreshed.access_token
        assert await client.verify_token() is True
        assert (await client.get_jwks()).keys
        await client.logout()
        assert await client.whoami() is None
        result = await client.login(email, PASSWORD)
        assert result.session is not None
        assert await client.is_logged_in() is True
