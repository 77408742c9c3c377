"""`client.oauth` and TokenVerifier(audience, required_scopes) against the real server's OAuth provider.

Clients are registered with `authward clients create --json` on the server's database, as an operator
would. The authorization code flow goes through Nhost's login contract: the app's own login UI (here
the SDK, signed in as the user) finishes the pending /authorize with `POST /oauth2/login`.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from authward.client import (
    AsyncAuthClient,
    AuthClient,
    InsufficientScope,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidToken,
    OAuthError,
    TokenVerifier,
)
from authward.client.oauth_models import AuthorizationRequest
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
API = "https://api.example"
CALLBACK = "http://127.0.0.1:9/callback"
BYE = "http://127.0.0.1:9/bye"


@dataclass(frozen=True)
class Registered:
    client_id: str
    client_secret: str | None


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory) -> LiveServer:
    """No refresh-token reuse grace: a replayed refresh token is caught at once."""
    return server_factory(refresh_token_reuse_interval=0)


def register_client(server: LiveServer, *args: str) -> Registered:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}, **server.env}
    result = subprocess.run([AUTHWARD_BIN, "clients", "create", *args, "--json"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    return Registered(created["client_id"], created.get("client_secret"))


@pytest.fixture(scope="module")
def service(server: LiveServer) -> Registered:
    return register_client(server, "--name", "Billing worker", "--grant", "client_credentials",
                           "--scope", "api:read", "--scope", "api:write", "--audience", API)


@pytest.fixture(scope="module")
def web_app(server: LiveServer) -> Registered:
    return register_client(server, "--name", "Web app", "--redirect-uri", CALLBACK, "--post-logout-redirect-uri",
                           BYE, "--scope", "openid", "--scope", "profile", "--scope", "email", "--audience", API)


@pytest.fixture(scope="module")
def spa(server: LiveServer) -> Registered:
    return register_client(server, "--name", "SPA", "--public", "--redirect-uri", CALLBACK)


@pytest.fixture
def user(server: LiveServer) -> Iterator[AuthClient]:
    """A signed-in user (the SDK's own session), whose client also speaks OAuth."""
    with AuthClient(server.url, timeout=30) as client:
        client.register(f"oauth-{uuid.uuid4().hex[:10]}@example.com", PASSWORD)
        yield client


def through_login_ui(server: LiveServer, user: AuthClient, request: AuthorizationRequest) -> str:
    """The browser opens the authorization URL, lands on the login UI, which finishes it: the code."""
    with httpx.Client(timeout=30) as browser:
        answer = browser.get(request.url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert location.path == "/login", answer.headers["location"]
    [request_id] = parse_qs(location.query)["request_id"]
    pending = user.oauth.login_request(request_id)
    assert pending.client_id == request.client_id and pending.redirect_uri == request.redirect_uri
    redirect = user.oauth.complete_login(request_id)
    assert redirect.startswith(f"{request.redirect_uri}?")
    return request.code_from(redirect)


def test_discovery_names_the_endpoints(server: LiveServer, user: AuthClient) -> None:
    meta = user.oauth.discovery()
    assert meta.issuer == server.url
    assert meta.token_endpoint == f"{server.url}/oauth/token"
    assert meta.jwks_uri == f"{server.url}/.well-known/jwks.json"
    assert "S256" in meta.code_challenge_methods_supported


def test_client_credentials_for_an_api_and_the_verifier_of_that_api(server: LiveServer, service: Registered) -> None:
    assert service.client_secret is not None
    with AuthClient(server.url, timeout=30) as sdk:
        tokens = sdk.oauth.client_credentials(service.client_id, service.client_secret, ["api:read"], audience=API)
        assert tokens.token_type.lower() == "bearer" and tokens.scopes == ("api:read",) and tokens.refresh_token is None

        api = TokenVerifier.for_server(server.url, audience=API, required_scopes=["api:read"])
        caller = api.verify(tokens.access_token)
        assert caller.user_id == service.client_id and caller.client_id == service.client_id
        assert caller.scopes == ("api:read",)
        with pytest.raises(InvalidToken, match="audience"):
            TokenVerifier.for_server(server.url, audience="https://other.example").verify(tokens.access_token)
        with pytest.raises(InsufficientScope) as lacking:
            api.verify(tokens.access_token, required_scopes=["api:write"])
        assert lacking.value.missing == ("api:write",)

        # client_secret_post works the same; the client's default scope is all of its API scopes
        default = sdk.oauth.client_credentials(service.client_id, service.client_secret, auth="post")
        assert set(default.scopes) == {"api:read", "api:write"}

        seen = sdk.oauth.introspect(tokens.access_token, service.client_id, service.client_secret)
        assert seen.active and seen.scope == "api:read" and seen.client_id == service.client_id

        with pytest.raises(InvalidScope):
            sdk.oauth.client_credentials(service.client_id, service.client_secret, "api:admin")
        with pytest.raises(OAuthError) as target:
            sdk.oauth.client_credentials(service.client_id, service.client_secret, audience="https://other.example")
        assert target.value.error == "invalid_target"
        with pytest.raises(InvalidClient) as bad:
            sdk.oauth.client_credentials(service.client_id, "not-the-secret")
        assert bad.value.status == 401


def test_authorization_code_with_pkce_through_nhosts_login_contract(
    server: LiveServer, web_app: Registered, user: AuthClient
) -> None:
    secret = web_app.client_secret
    assert secret is not None
    oauth = user.oauth
    request = oauth.authorization_url(web_app.client_id, CALLBACK, "openid profile email", audience=API)
    code = through_login_ui(server, user, request)

    with pytest.raises(InvalidGrant, match="code_verifier"):
        oauth.exchange_code(web_app.client_id, code, CALLBACK, code_verifier="x" * 43, client_secret=secret)
    request = oauth.authorization_url(web_app.client_id, CALLBACK, "openid profile email", audience=API)
    code = through_login_ui(server, user, request)  # consent was recorded: the same path, a new code
    tokens = oauth.exchange_code(web_app.client_id, code, CALLBACK, request.code_verifier, secret)
    assert tokens.id_token and tokens.refresh_token and set(tokens.scopes) == {"openid", "profile", "email"}

    me = user.get_user()
    claims = oauth.verify_id_token(tokens.id_token, web_app.client_id, nonce=request.nonce, max_age=300)
    assert claims.sub == me.id and claims.email == me.email and claims.azp == web_app.client_id
    with pytest.raises(InvalidToken, match="nonce"):
        oauth.verify_id_token(tokens.id_token, web_app.client_id, nonce="another request's")
    with pytest.raises(InvalidToken, match="audience"):
        oauth.verify_id_token(tokens.id_token, "aw_another_client")

    info = oauth.user_info(tokens.access_token)
    assert (info.sub, info.email, info.email_verified) == (me.id, me.email, me.email_verified)
    api = TokenVerifier.for_server(server.url, audience=API)
    assert api.verify(tokens.access_token).user_id == me.id  # aud: the API and /userinfo

    renewed = oauth.refresh(web_app.client_id, tokens.refresh_token, secret, scope="openid email")
    assert renewed.refresh_token and renewed.refresh_token != tokens.refresh_token
    assert set(renewed.scopes) == {"openid", "email"}
    assert oauth.user_info(renewed.access_token).name is None  # profile is gone
    with pytest.raises(InvalidScope):  # scopes only narrow
        oauth.refresh(web_app.client_id, renewed.refresh_token, secret, scope="openid profile")

    assert oauth.introspect(renewed.refresh_token, web_app.client_id, secret).active
    oauth.revoke(renewed.refresh_token, web_app.client_id, secret, token_type_hint="refresh_token")
    assert not oauth.introspect(renewed.refresh_token, web_app.client_id, secret).active
    assert not oauth.introspect(renewed.access_token, web_app.client_id, secret).active  # its session ended
    with pytest.raises(InvalidGrant):
        oauth.refresh(web_app.client_id, renewed.refresh_token, secret)
    with pytest.raises(OAuthError) as ended:
        oauth.user_info(renewed.access_token)
    assert ended.value.error == "invalid_token" and ended.value.status == 401


def test_a_replayed_code_fails_and_revokes_what_it_gave(
    server: LiveServer, web_app: Registered, user: AuthClient
) -> None:
    secret = web_app.client_secret
    request = user.oauth.authorization_url(web_app.client_id, CALLBACK, "openid")
    code = through_login_ui(server, user, request)
    tokens = user.oauth.exchange_code(web_app.client_id, code, CALLBACK, request.code_verifier, secret)
    assert tokens.refresh_token is not None
    with pytest.raises(InvalidGrant, match="already used"):
        user.oauth.exchange_code(web_app.client_id, code, CALLBACK, request.code_verifier, secret)
    assert not user.oauth.introspect(tokens.refresh_token, web_app.client_id, secret).active


def test_a_replayed_refresh_token_ends_the_family(server: LiveServer, web_app: Registered, user: AuthClient) -> None:
    secret = web_app.client_secret
    request = user.oauth.authorization_url(web_app.client_id, CALLBACK, "openid")
    tokens = user.oauth.exchange_code(web_app.client_id, through_login_ui(server, user, request), CALLBACK,
                                      request.code_verifier, secret)
    assert tokens.refresh_token is not None
    renewed = user.oauth.refresh(web_app.client_id, tokens.refresh_token, secret)
    with pytest.raises(InvalidGrant):
        user.oauth.refresh(web_app.client_id, tokens.refresh_token, secret)  # reuse: detected
    assert renewed.refresh_token is not None
    assert not user.oauth.introspect(renewed.refresh_token, web_app.client_id, secret).active


def test_rp_initiated_logout_ends_the_clients_session(
    server: LiveServer, web_app: Registered, user: AuthClient
) -> None:
    secret = web_app.client_secret
    request = user.oauth.authorization_url(web_app.client_id, CALLBACK, "openid")
    tokens = user.oauth.exchange_code(web_app.client_id, through_login_ui(server, user, request), CALLBACK,
                                      request.code_verifier, secret)
    logout = user.oauth.end_session_url(tokens.id_token, BYE, state="s-1")
    with httpx.Client(timeout=30) as browser:
        answer = browser.get(logout, follow_redirects=False)
    assert answer.status_code == 302 and answer.headers["location"] == f"{BYE}?state=s-1"
    assert tokens.refresh_token is not None
    assert not user.oauth.introspect(tokens.refresh_token, web_app.client_id, secret).active


async def test_a_public_client_on_the_async_client(server: LiveServer, spa: Registered, user: AuthClient) -> None:
    assert spa.client_secret is None
    async with AsyncAuthClient(server.url, timeout=30) as sdk:
        request = await sdk.oauth.authorization_url(spa.client_id, CALLBACK, "openid email")
        assert request.code_verifier is not None
        code = through_login_ui(server, user, request)
        tokens = await sdk.oauth.exchange_code(spa.client_id, code, CALLBACK, request.code_verifier)
        assert tokens.id_token is not None and tokens.refresh_token is not None
        claims = await sdk.oauth.verify_id_token(tokens.id_token, spa.client_id, nonce=request.nonce)
        assert claims.sub == user.get_actor_id()
        assert (await sdk.oauth.user_info(tokens.access_token)).email == user.get_user().email
        renewed = await sdk.oauth.refresh(spa.client_id, tokens.refresh_token)
        assert renewed.refresh_token is not None
        await sdk.oauth.revoke(renewed.refresh_token, spa.client_id)
        with pytest.raises(InvalidGrant):
            await sdk.oauth.refresh(spa.client_id, renewed.refresh_token)

        # PKCE is required of a public client: without it the error goes back to the redirect URI
        bare = await sdk.oauth.authorization_url(spa.client_id, CALLBACK, "openid", pkce=False)
        async with httpx.AsyncClient(timeout=30) as browser:
            answer = await browser.get(bare.url, follow_redirects=False)
        with pytest.raises(OAuthError, match="PKCE") as refused:
            bare.code_from(answer.headers["location"])
        assert refused.value.error == "invalid_request"
