"""`AuthenticationClient` / `AsyncAuthenticationClient` (Auth0's Authentication API) against a fake server
(httpx.MockTransport): what every method sends (path, body type, client_secret placement), how answers
and Auth0's error shapes are read. Every test runs on both clients."""

from __future__ import annotations

import inspect
import json
import time
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from authward.client import (
    AsyncAuthClient,
    AsyncAuthenticationClient,
    Auth0MfaChallenge,
    Auth0User,
    AuthClient,
    AuthenticationClient,
    Conflict,
    Forbidden,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidToken,
    MfaRequired,
    MfaTokenRequired,
    NotSupportedByServer,
    OAuthError,
    RateLimited,
    ServerError,
    TokenSet,
    UnauthorizedClient,
    UserInfo,
)
from authward.client.aio import AsyncGrants
from authward.client.auth0 import (
    AuthenticationApi,
    DatabaseApi,
    GrantsApi,
    MfaApi,
    PasswordlessApi,
    UsersApi,
)
from authward.client.sync import SyncGrants

DOMAIN = "tenant.test"
BASE = f"https://{DOMAIN}"
ISSUER = f"{BASE}/"
CLIENT_ID = "aw_0123456789abcdef01234567"
SECRET = "s3cr:et+with/odd chars=é"
FORM = "application/x-www-form-urlencoded"
OTP_GRANT = "http://auth0.com/oauth/grant-type/passwordless/otp"
TOKENS = {"access_token": "at", "token_type": "Bearer", "expires_in": 86400, "refresh_token": "rt",
          "id_token": "it", "scope": "openid profile email offline_access"}


class FakeAuth0:
    """Auth0's Authentication API, canned: records every request; `answers[path]` overrides one route."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, httpx.Response] = {}
        self.tokens: dict[str, Any] = dict(TOKENS)
        self.jwks: dict[str, Any] = {"keys": []}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path in self.answers:
            return self.answers[path]
        match path:
            case "/oauth/token":
                return httpx.Response(200, json=self.tokens)
            case "/oauth/revoke":
                return httpx.Response(200)
            case "/dbconnections/signup":
                sent = json.loads(request.content)
                return httpx.Response(200, json={"_id": "5f1c0ffee", "email": sent["email"], "email_verified": False,
                                                 "given_name": sent.get("given_name"), "created_at": "2026-01-01"})
            case "/dbconnections/change_password":
                return httpx.Response(200, text='"We\'ve just sent you an email to reset your password."',
                                      headers={"content-type": "application/json"})
            case "/passwordless/start":
                return httpx.Response(200, json={"_id": "x", "email": "ada@example.com"})
            case "/mfa/challenge":
                return httpx.Response(200, json={"challenge_type": "otp"})
            case "/userinfo":
                return httpx.Response(200, json={"sub": "auth0|u1", "email": "ada@example.com", "email_verified": True,
                                                 "nickname": "ada", "updated_at": 1767225600})
            case "/.well-known/openid-configuration":
                return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{BASE}/.well-known/jwks.json"})
            case "/.well-known/jwks.json":
                return httpx.Response(200, json=self.jwks)
        return httpx.Response(404, json={"error": "not_found", "error_description": "No such route"})

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def last(self, path: str) -> httpx.Request:
        return [request for request in self.requests if request.url.path == path][-1]

    def paths(self) -> list[str]:
        return [f"{request.method} {request.url.path}" for request in self.requests]


class Either:
    """A sync or async client (or one of its groups), called the same way: `await auth0.oauth.password_grant()`."""

    def __init__(self, target: Any) -> None:
        self.raw = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.raw, name)
        if not callable(attr):
            return Either(attr)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        return call


def make_client(kind: str, server: FakeAuth0, secret: str | None = SECRET, **options: Any) -> Either:
    if kind == "sync":
        http = httpx.Client(transport=httpx.MockTransport(server.handle))
        return Either(AuthenticationClient(DOMAIN, CLIENT_ID, secret, http_client=http, **options))
    async_http = httpx.AsyncClient(transport=httpx.MockTransport(server.handle_async))
    return Either(AsyncAuthenticationClient(DOMAIN, CLIENT_ID, secret, http_client=async_http, **options))


@pytest.fixture
def server() -> FakeAuth0:
    return FakeAuth0()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def auth0(kind: str, server: FakeAuth0) -> Either:
    return make_client(kind, server)


@pytest.fixture
def public(kind: str, server: FakeAuth0) -> Either:
    """A client without a secret (a SPA or native app)."""
    return make_client(kind, server, secret=None)


def form_of(request: httpx.Request) -> dict[str, str]:
    assert request.method == "POST"
    assert request.headers["content-type"] == FORM
    assert "authorization" not in request.headers  # client_secret_post: the secret is in the body
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True, strict_parsing=True))


def json_of(request: httpx.Request) -> dict[str, Any]:
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert "authorization" not in request.headers
    data = json.loads(request.content)
    assert isinstance(data, dict)
    return data


AUTH = {"client_id": CLIENT_ID, "client_secret": SECRET}


# -- construction
def test_the_base_url_is_https_on_the_domain_and_scheme_can_be_http_for_local_servers() -> None:
    client = AuthenticationClient(DOMAIN, CLIENT_ID, SECRET)
    assert (client.base_url, client.domain, client.client_id) == (BASE, DOMAIN, CLIENT_ID)
    assert AuthenticationClient("localhost:4443/", CLIENT_ID).base_url == "https://localhost:4443"
    assert AsyncAuthenticationClient("127.0.0.1:4000", CLIENT_ID, scheme="http").base_url == "http://127.0.0.1:4000"
    assert SECRET not in repr(client) and DOMAIN in repr(client)
    client.close()


@pytest.mark.parametrize("domain", ["https://tenant.test", "tenant.test/v1", "", "  "])
def test_the_domain_is_a_host_not_a_url(domain: str) -> None:
    with pytest.raises(ValueError, match="domain"):
        AuthenticationClient(domain, CLIENT_ID)


def test_only_https_and_http_schemes() -> None:
    with pytest.raises(ValueError, match="scheme"):
        AuthenticationClient(DOMAIN, CLIENT_ID, scheme="ftp")
    with pytest.raises(ValueError, match="client_id"):
        AuthenticationClient(DOMAIN, "")


def test_sync_and_async_share_the_method_tables_and_flows() -> None:
    """One flow per method: the sync and async groups are the same tables over different runners."""
    sync_client = AuthenticationClient(DOMAIN, CLIENT_ID)
    async_client = AsyncAuthenticationClient(DOMAIN, CLIENT_ID)
    for client in (sync_client, async_client):
        assert isinstance(client, AuthenticationApi)
        groups = (client.database, client.oauth, client.passwordless, client.users, client.mfa)
        for group, table in zip(groups, (DatabaseApi, GrantsApi, PasswordlessApi, UsersApi, MfaApi), strict=True):
            assert isinstance(group, table)
    assert SyncGrants.password_grant.flow is AsyncGrants.password_grant.flow  # type: ignore[attr-defined]
    assert AuthenticationClient.password_grant.flow is GrantsApi.password_grant.flow  # type: ignore[attr-defined]
    for group in ("database", "oauth", "passwordless", "users", "mfa"):
        sync_names = {n for n in dir(getattr(sync_client, group)) if not n.startswith("_") and n not in ("run", "state")}
        async_names = {n for n in dir(getattr(async_client, group)) if not n.startswith("_") and n not in ("run", "state")}
        assert sync_names == async_names and sync_names
    assert str(inspect.signature(sync_client.oauth.password_grant)) == str(
        inspect.signature(async_client.oauth.password_grant))


# -- database connections
async def test_sign_up_posts_json_without_the_secret_and_answers_the_user(auth0: Either, server: FakeAuth0) -> None:
    user = await auth0.database.sign_up("ada@example.com", "correct horse battery staple", given_name="Ada",
                                        user_metadata={"plan": "pro"})
    assert isinstance(user, Auth0User)
    assert (user.id, user.email, user.email_verified, user.given_name) == ("5f1c0ffee", "ada@example.com", False, "Ada")
    assert user.claim("created_at") == "2026-01-01"
    sent = json_of(server.last("/dbconnections/signup"))
    assert sent == {"client_id": CLIENT_ID, "email": "ada@example.com", "password": "correct horse battery staple",
                    "connection": "Username-Password-Authentication", "given_name": "Ada",
                    "user_metadata": {"plan": "pro"}}
    assert server.last("/dbconnections/signup").url == f"{BASE}/dbconnections/signup"


async def test_sign_up_uses_the_named_or_configured_connection(kind: str, server: FakeAuth0) -> None:
    client = make_client(kind, server, connection="Customers")
    await client.database.sign_up("ada@example.com", "pw", username="ada")
    assert json_of(server.last("/dbconnections/signup"))["connection"] == "Customers"
    await client.database.sign_up("bob@example.com", "pw", "Staff")
    assert json_of(server.last("/dbconnections/signup"))["connection"] == "Staff"


@pytest.mark.parametrize("answer", [{"user_id": "auth0|abc"}, {"id": "auth0|abc", "_id": "other"}])
async def test_the_user_id_comes_from_id_or_user_id(auth0: Either, server: FakeAuth0, answer: dict[str, str]) -> None:
    server.answers["/dbconnections/signup"] = httpx.Response(200, json={**answer, "email": "ada@example.com"})
    assert (await auth0.database.sign_up("ada@example.com", "pw")).id == "auth0|abc"


async def test_change_password_posts_json_and_answers_the_servers_text(auth0: Either, server: FakeAuth0) -> None:
    message = await auth0.database.change_password("ada@example.com")
    assert message == "We've just sent you an email to reset your password."
    assert json_of(server.last("/dbconnections/change_password")) == {
        "client_id": CLIENT_ID, "email": "ada@example.com", "connection": "Username-Password-Authentication"}
    server.answers["/dbconnections/change_password"] = httpx.Response(200, text="Plain words.")
    assert await auth0.change_password("ada@example.com", "Staff") == "Plain words."  # the v2 name
    assert json_of(server.last("/dbconnections/change_password"))["connection"] == "Staff"


# -- the token endpoint: form-encoded, client_secret in the form
async def test_password_grant_is_a_form_with_the_secret_in_it(auth0: Either, server: FakeAuth0) -> None:
    tokens = await auth0.oauth.password_grant("ada@example.com", "pw", audience="https://api.test",
                                              scope=["openid", "profile"])
    assert isinstance(tokens, TokenSet)
    assert (tokens.access_token, tokens.refresh_token, tokens.id_token, tokens.expires_in) == ("at", "rt", "it", 86400)
    request = server.last("/oauth/token")
    assert request.url == f"{BASE}/oauth/token" and request.headers["accept"] == "application/json"
    assert form_of(request) == {"grant_type": "password", "username": "ada@example.com", "password": "pw",
                                "audience": "https://api.test", "scope": "openid profile", **AUTH}


async def test_password_grant_with_a_realm_is_the_password_realm_grant(auth0: Either, server: FakeAuth0) -> None:
    await auth0.oauth.password_grant("ada@example.com", "pw", "Username-Password-Authentication")
    assert form_of(server.last("/oauth/token")) == {
        "grant_type": "http://auth0.com/oauth/grant-type/password-realm", "username": "ada@example.com",
        "password": "pw", "realm": "Username-Password-Authentication", **AUTH}


async def test_a_public_client_sends_its_id_only(public: Either, server: FakeAuth0) -> None:
    await public.oauth.password_grant("ada@example.com", "pw")
    await public.oauth.revoke_refresh_token("rt")
    await public.mfa.challenge("mfa-1")
    assert form_of(server.last("/oauth/token"))["client_id"] == CLIENT_ID
    for sent in (form_of(server.last("/oauth/token")), json_of(server.last("/oauth/revoke")),
                 json_of(server.last("/mfa/challenge"))):
        assert sent["client_id"] == CLIENT_ID and "client_secret" not in sent


async def test_refresh_token_grant(auth0: Either, server: FakeAuth0) -> None:
    tokens = await auth0.oauth.refresh_token("rt-1", scope="openid")
    assert tokens.refresh_token == "rt"
    assert form_of(server.last("/oauth/token")) == {"grant_type": "refresh_token", "refresh_token": "rt-1",
                                                    "scope": "openid", **AUTH}
    await auth0.refresh_token("rt-2")  # the v2 name
    assert form_of(server.last("/oauth/token"))["refresh_token"] == "rt-2"


async def test_client_credentials_grant(auth0: Either, server: FakeAuth0) -> None:
    server.tokens = {"access_token": "svc", "token_type": "Bearer", "expires_in": 86400}
    tokens = await auth0.oauth.client_credentials_grant("https://api.test", scope="read:invoices")
    assert (tokens.access_token, tokens.refresh_token, tokens.id_token) == ("svc", None, None)
    assert form_of(server.last("/oauth/token")) == {"grant_type": "client_credentials", "audience": "https://api.test",
                                                    "scope": "read:invoices", **AUTH}
    await auth0.client_credentials_grant("https://api.test")  # the v2 name
    assert form_of(server.last("/oauth/token"))["audience"] == "https://api.test"


async def test_client_credentials_need_the_secret_and_nothing_is_sent_without(public: Either, server: FakeAuth0
                                                                              ) -> None:
    with pytest.raises(ValueError, match="secret"):
        await public.oauth.client_credentials_grant("https://api.test")
    assert server.requests == []


async def test_revoke_refresh_token_posts_json(auth0: Either, server: FakeAuth0) -> None:
    assert await auth0.oauth.revoke_refresh_token("rt-1") is None
    assert json_of(server.last("/oauth/revoke")) == {"token": "rt-1", **AUTH}


# -- passwordless
@pytest.mark.parametrize("send", ["code", "link"])
async def test_send_email_starts_the_email_connection(auth0: Either, server: FakeAuth0, send: str) -> None:
    assert await auth0.passwordless.send_email("ada@example.com", send) is None
    assert json_of(server.last("/passwordless/start")) == {**AUTH, "connection": "email", "email": "ada@example.com",
                                                           "send": send}


async def test_send_email_defaults_to_a_link_and_carries_auth_params(auth0: Either, server: FakeAuth0) -> None:
    await auth0.passwordless.send_email("ada@example.com", auth_params={"scope": "openid", "state": "s"})
    sent = json_of(server.last("/passwordless/start"))
    assert sent["send"] == "link" and sent["authParams"] == {"scope": "openid", "state": "s"}
    with pytest.raises(ValueError, match="send"):
        await auth0.passwordless.send_email("ada@example.com", "carrier-pigeon")
    await auth0.request_email_code("ada@example.com")  # the v2 names
    assert json_of(server.last("/passwordless/start"))["send"] == "code"
    await auth0.request_magic_link("ada@example.com")
    assert json_of(server.last("/passwordless/start"))["send"] == "link"


async def test_send_sms_starts_the_sms_connection(auth0: Either, server: FakeAuth0) -> None:
    await auth0.passwordless.send_sms("+14155552671")
    assert json_of(server.last("/passwordless/start")) == {**AUTH, "connection": "sms", "phone_number": "+14155552671"}
    await auth0.request_sms_code("+14155550000")  # the v2 name
    assert json_of(server.last("/passwordless/start"))["phone_number"] == "+14155550000"


async def test_login_with_email_and_sms_are_the_otp_grant(auth0: Either, server: FakeAuth0) -> None:
    await auth0.passwordless.login_with_email("ada@example.com", "123456", scope="openid")
    assert form_of(server.last("/oauth/token")) == {"grant_type": OTP_GRANT, "username": "ada@example.com",
                                                    "otp": "123456", "realm": "email", "scope": "openid", **AUTH}
    await auth0.passwordless.login_with_sms("+14155552671", "654321", audience="https://api.test")
    assert form_of(server.last("/oauth/token")) == {"grant_type": OTP_GRANT, "username": "+14155552671",
                                                    "otp": "654321", "realm": "sms", "audience": "https://api.test",
                                                    **AUTH}
    await auth0.verify_sms_code("+14155552671", "111111")  # the v2 name
    assert form_of(server.last("/oauth/token"))["otp"] == "111111"


# -- users
async def test_get_info_is_userinfo_with_the_bearer(auth0: Either, server: FakeAuth0) -> None:
    info = await auth0.users.get_info("user-access-token")
    assert isinstance(info, UserInfo)
    assert (info.sub, info.email, info.nickname, info.updated_at) == ("auth0|u1", "ada@example.com", "ada", 1767225600)
    request = server.last("/userinfo")
    assert request.method == "GET" and request.url == f"{BASE}/userinfo"
    assert request.headers["authorization"] == "Bearer user-access-token" and request.content == b""
    assert (await auth0.get_profile("t")).sub == "auth0|u1"  # the v2 name


# -- MFA
async def test_mfa_challenge_posts_json_with_the_client_credentials(auth0: Either, server: FakeAuth0) -> None:
    challenge = await auth0.mfa.challenge("mfa-token-1")
    assert isinstance(challenge, Auth0MfaChallenge) and challenge.challenge_type == "otp"
    assert json_of(server.last("/mfa/challenge")) == {"mfa_token": "mfa-token-1", "challenge_type": "otp", **AUTH}
    server.answers["/mfa/challenge"] = httpx.Response(200, json={"challenge_type": "oob", "oob_code": "o1",
                                                                 "binding_method": "prompt"})
    oob = await auth0.mfa.challenge("mfa-token-1", "otp oob", authenticator_id="sms|dev_1")
    assert (oob.oob_code, oob.binding_method) == ("o1", "prompt")
    assert json_of(server.last("/mfa/challenge"))["authenticator_id"] == "sms|dev_1"


async def test_mfa_verify_otp_and_recovery_code_are_grants(auth0: Either, server: FakeAuth0) -> None:
    await auth0.mfa.verify_otp("mfa-token-1", "123456")
    assert form_of(server.last("/oauth/token")) == {"grant_type": "http://auth0.com/oauth/grant-type/mfa-otp",
                                                    "mfa_token": "mfa-token-1", "otp": "123456", **AUTH}
    server.tokens = {**TOKENS, "recovery_code": "NEWCODE"}
    tokens = await auth0.mfa.verify_recovery_code("mfa-token-1", "OLDCODE")
    assert tokens.claim("recovery_code") == "NEWCODE"
    assert form_of(server.last("/oauth/token")) == {
        "grant_type": "http://auth0.com/oauth/grant-type/mfa-recovery-code", "mfa_token": "mfa-token-1",
        "recovery_code": "OLDCODE", **AUTH}


# -- token exchange
async def test_token_exchange_expands_short_token_types(auth0: Either, server: FakeAuth0) -> None:
    server.tokens = {"access_token": "x", "token_type": "Bearer", "expires_in": 60,
                     "issued_token_type": "urn:ietf:params:oauth:token-type:access_token"}
    tokens = await auth0.token_exchange("subject", "access_token", audience="https://other.api", scope="read")
    assert tokens.claim("issued_token_type") == "urn:ietf:params:oauth:token-type:access_token"
    assert form_of(server.last("/oauth/token")) == {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "subject_token": "subject",
        "subject_token_type": "urn:ietf:params:oauth:token-type:access_token", "audience": "https://other.api",
        "scope": "read", **AUTH}
    await auth0.token_exchange("s", "urn:example:custom", requested_token_type="refresh_token")
    sent = form_of(server.last("/oauth/token"))
    assert sent["subject_token_type"] == "urn:example:custom"
    assert sent["requested_token_type"] == "urn:ietf:params:oauth:token-type:refresh_token"


# -- errors
async def test_mfa_required_raises_mfa_token_required_with_the_token(auth0: Either, server: FakeAuth0) -> None:
    server.answers["/oauth/token"] = httpx.Response(403, json={
        "error": "mfa_required", "error_description": "Multifactor authentication required",
        "mfa_token": "mfa-secret-token", "mfa_requirements": {"challenge": [{"type": "otp"}]}})
    with pytest.raises(MfaTokenRequired) as caught:
        await auth0.oauth.password_grant("ada@example.com", "pw")
    exc = caught.value
    assert isinstance(exc, MfaRequired) and isinstance(exc, OAuthError)
    assert (exc.status, exc.error, exc.mfa_token, exc.ticket) == (403, "mfa_required", "mfa-secret-token",
                                                                  "mfa-secret-token")
    assert exc.error_description == "Multifactor authentication required"
    assert exc.mfa_requirements == {"challenge": [{"type": "otp"}]}
    for shown in (str(exc), repr(exc), json.dumps(exc.to_dict())):
        assert "mfa-secret-token" not in shown


async def test_mfa_required_then_otp_completes_the_sign_in(auth0: Either, server: FakeAuth0) -> None:
    server.answers["/oauth/token"] = httpx.Response(403, json={"error": "mfa_required", "mfa_token": "m1"})
    try:
        await auth0.oauth.password_grant("ada@example.com", "pw")
    except MfaRequired as exc:  # the Nhost branch catches it too
        del server.answers["/oauth/token"]
        tokens = await auth0.mfa.verify_otp(exc.ticket, "123456")
    assert tokens.access_token == "at"


@pytest.mark.parametrize(
    ("status", "answer", "cls", "code"),
    [
        (403, {"error": "invalid_grant", "error_description": "Wrong email or password."}, InvalidGrant,
         "invalid_grant"),
        (401, {"error": "invalid_client", "error_description": "Client authentication failed"}, InvalidClient,
         "invalid_client"),
        (403, {"error": "unauthorized_client", "error_description": "Grant type not allowed"}, UnauthorizedClient,
         "unauthorized_client"),
        (400, {"error": "unsupported_grant_type"}, OAuthError, "unsupported_grant_type"),
        (429, {"error": "too_many_requests", "error_description": "Slow down"}, RateLimited, "too_many_requests"),
        (404, {"status": 404, "error": "route-not-found", "message": "No such route"}, NotSupportedByServer,
         "route-not-found"),
    ],
)
async def test_grant_errors_map_into_the_tree(auth0: Either, server: FakeAuth0, status: int, answer: dict[str, Any],
                                              cls: type[Exception], code: str) -> None:
    server.answers["/oauth/token"] = httpx.Response(status, json=answer)
    with pytest.raises(cls) as caught:
        await auth0.oauth.password_grant("ada@example.com", "wrong")
    assert type(caught.value) is cls
    assert (caught.value.status, caught.value.error) == (status, code)  # type: ignore[attr-defined]


async def test_a_wrong_password_is_invalid_grant_403_with_its_words(auth0: Either, server: FakeAuth0) -> None:
    server.answers["/oauth/token"] = httpx.Response(403, json={"error": "invalid_grant",
                                                               "error_description": "Wrong email or password."})
    with pytest.raises(InvalidGrant) as caught:
        await auth0.oauth.password_grant("ada@example.com", "wrong")
    assert caught.value.status == 403 and caught.value.error_description == "Wrong email or password."
    assert caught.value.message == "Wrong email or password."


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [(400, "user_exists", Conflict), (409, "user_exists", Conflict), (400, "username_exists", Conflict),
     (400, "invalid_signup", InvalidRequest), (400, "invalid_password", InvalidRequest),
     (400, "password_strength_error", InvalidRequest), (400, "invalid_connection", InvalidRequest),
     (401, "invalid_client", InvalidClient), (400, "operation_not_allowed", Forbidden)],
)
async def test_dbconnections_errors_map_by_code(auth0: Either, server: FakeAuth0, status: int, code: str,
                                               cls: type[Exception]) -> None:
    server.answers["/dbconnections/signup"] = httpx.Response(status, json={
        "name": "BadRequestError", "code": code, "description": "The user already exists.", "statusCode": status})
    with pytest.raises(cls) as caught:
        await auth0.database.sign_up("ada@example.com", "pw")
    error = caught.value
    assert (error.status, error.error, error.message) == (status, code, "The user already exists.")  # type: ignore[attr-defined]


async def test_server_errors_and_non_json_answers(auth0: Either, server: FakeAuth0) -> None:
    server.answers["/passwordless/start"] = httpx.Response(502, text="<html>Bad gateway</html>")
    with pytest.raises(ServerError):
        await auth0.passwordless.send_sms("+14155552671")
    server.answers["/userinfo"] = httpx.Response(401, json={"error": "invalid_token",
                                                            "error_description": "The access token is invalid"})
    with pytest.raises(OAuthError) as caught:
        await auth0.users.get_info("expired")
    assert (caught.value.status, caught.value.error) == (401, "invalid_token")


def test_client_oauth_reads_mfa_required_too() -> None:
    """The core's RFC 6749 reader knows `mfa_required`, so `AuthClient.oauth` raises it the same way."""
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(404, json={"status": 404, "error": "route-not-found", "message": "none"})
        return httpx.Response(403, json={"error": "mfa_required", "mfa_token": "m1"})

    with AuthClient("http://auth.test", http_client=httpx.Client(transport=httpx.MockTransport(handle))) as client:
        with pytest.raises(MfaTokenRequired) as caught:
            client.oauth.refresh(CLIENT_ID, "rt")
    assert caught.value.mfa_token == "m1"


# -- ID-token checks (verify_id_tokens=True), as node-auth0 does them
@pytest.fixture
def signed(server: FakeAuth0) -> Any:
    jwt = pytest.importorskip("jwt")
    from tests.unit.test_client_verifier import Keys

    keys = Keys()
    server.jwks = keys.jwks()
    kid, key, alg = keys.active[-1]

    def sign(**claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "sub": "auth0|u1", "aud": CLIENT_ID, "iat": now, "exp": now + 600, **claims}
        payload = {name: value for name, value in payload.items() if value is not None}
        return str(jwt.encode(payload, key, algorithm=alg, headers={"kid": kid}))

    return sign


async def test_verify_id_tokens_checks_each_grants_id_token(kind: str, server: FakeAuth0, signed: Any) -> None:
    client = make_client(kind, server, verify_id_tokens=True)
    server.tokens = {**TOKENS, "id_token": signed()}
    assert (await client.oauth.password_grant("ada@example.com", "pw")).id_token == server.tokens["id_token"]
    for bad in (signed(nonce="n-1"), signed(aud="someone-else"), signed(iss="https://elsewhere.test/"),
                signed(exp=int(time.time()) - 3600)):
        server.tokens = {**TOKENS, "id_token": bad}
        with pytest.raises(InvalidToken):
            await client.oauth.refresh_token("rt")


async def test_id_tokens_are_not_checked_unless_asked(auth0: Either, server: FakeAuth0) -> None:
    await auth0.oauth.password_grant("ada@example.com", "pw")  # "it" is no JWT at all
    assert server.paths() == ["POST /oauth/token"]


# -- the clients' lifecycles
async def test_context_managers_give_the_client_and_close_its_own_connection() -> None:
    with AuthenticationClient(DOMAIN, CLIENT_ID) as client:
        assert isinstance(client, AuthenticationClient)
    async with AsyncAuthenticationClient(DOMAIN, CLIENT_ID) as aclient:
        assert isinstance(aclient, AsyncAuthenticationClient)
    async with AsyncAuthClient("http://auth.test") as nhost:  # the shared runner still gives each its own type
        assert isinstance(nhost, AsyncAuthClient)

