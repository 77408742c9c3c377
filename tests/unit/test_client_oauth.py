"""`client.oauth` on both clients against a fake provider (httpx.MockTransport): what each method sends
(form encoding, client authentication, PKCE), how answers and RFC 6749 errors are read."""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote_plus, urlsplit

import httpx
import pytest

from authward.client import (
    AccessDenied,
    AsyncAuthClient,
    AuthClient,
    AuthorizationRequest,
    CallbackMismatch,
    InsufficientScope,
    Introspection,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    InvalidToken,
    MemoryStorage,
    NotSupportedByServer,
    OAuthError,
    RateLimited,
    ServerError,
    StoredSession,
    TokenSet,
    UserInfo,
)
from authward.client.core import ClientState, RequestSpec, request_args
from authward.client.oauth import code_challenge_s256, new_code_verifier

jwt = pytest.importorskip("jwt")
from tests.unit.test_client_verifier import Keys  # noqa: E402

BASE = "http://auth.test"
ISSUER = "https://issuer.test"
CLIENT_ID = "aw_0123456789abcdef01234567"
SECRET = "s3cr:et+with/odd chars=é"  # every character Basic auth must form-encode
CALLBACK = "https://app.test/callback"


class FakeProvider:
    """Discovery with non-standard endpoint paths (so the SDK must read them), a JWKS, and canned answers."""

    def __init__(self, discovery: bool = True) -> None:
        self.keys = Keys()
        self.discovery = discovery
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, httpx.Response] = {}

    def document(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "authorization_endpoint": f"{BASE}/x/authorize",
            "token_endpoint": f"{BASE}/x/token",
            "userinfo_endpoint": f"{BASE}/x/userinfo",
            "jwks_uri": f"{BASE}/x/jwks",
            "revocation_endpoint": f"{BASE}/x/revoke",
            "introspection_endpoint": f"{BASE}/x/introspect",
            "end_session_endpoint": f"{BASE}/x/logout",
            "code_challenge_methods_supported": ["S256"],
        }

    def to(self, path: str) -> list[httpx.Request]:
        return [request for request in self.requests if request.url.path == path]

    def last(self, path: str) -> httpx.Request:
        return self.to(path)[-1]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path in self.answers:
            return self.answers[path]
        if path == "/.well-known/openid-configuration" and self.discovery:
            return httpx.Response(200, json=self.document())
        if path in ("/x/jwks", "/.well-known/jwks.json"):
            return httpx.Response(200, json=self.keys.jwks())
        if path in ("/x/token", "/oauth/token"):
            return httpx.Response(200, json={
                "access_token": "at", "token_type": "Bearer", "expires_in": 900, "refresh_token": "rt",
                "scope": "openid profile api:read", "id_token": "it",
            })
        if path == "/x/userinfo":
            return httpx.Response(200, json={"sub": "u1", "email": "ada@example.com", "email_verified": True,
                                             "https://app.test/plan": "pro"})
        if path == "/x/revoke":
            return httpx.Response(200, json={})
        if path == "/x/introspect":
            return httpx.Response(200, json={"active": True, "scope": "api:read", "client_id": CLIENT_ID,
                                             "sub": CLIENT_ID, "exp": 2**31, "aud": ["https://api.test"],
                                             "custom": 1})
        if path == "/v1/oauth2/login" and request.method == "GET":
            return httpx.Response(200, json={"requestId": request.url.params["request_id"], "clientId": CLIENT_ID,
                                             "scopes": ["openid"], "redirectUri": CALLBACK, "clientName": "App",
                                             "logoUrl": None, "firstParty": False})
        if path == "/v1/oauth2/login" and request.method == "POST":
            return httpx.Response(200, json={"redirectUri": f"{CALLBACK}?code=c0de&state=s"})
        return httpx.Response(404, json={"status": 404, "error": "route-not-found", "message": "No such route"})

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        return self.handle(request)

    def id_token(self, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "sub": "u1", "aud": CLIENT_ID, "azp": CLIENT_ID, "iat": now, "exp": now + 600,
                   "auth_time": now - 5, "nonce": "n-1", "amr": ["pwd"], "email": "ada@example.com", **claims}
        payload = {key: value for key, value in payload.items() if value is not None}
        kid, key, alg = self.keys.active[-1]
        return str(jwt.encode(payload, key, algorithm=alg, headers={"kid": kid}))


class OAuth:
    """`client.oauth` of a sync or async client, called the same way: `await oauth.x(...)`."""

    def __init__(self, client: AuthClient | AsyncAuthClient) -> None:
        self.client = client

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client.oauth, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        return call


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture(params=["sync", "async"])
def oauth(request: pytest.FixtureRequest, provider: FakeProvider) -> Iterator[OAuth]:
    storage = MemoryStorage()
    storage.save(StoredSession(base_url=BASE, access_token="user-session-token"))
    if request.param == "sync":
        yield OAuth(AuthClient(BASE, storage, http_client=httpx.Client(transport=httpx.MockTransport(provider.handle))))
    else:
        transport = httpx.MockTransport(provider.handle_async)
        yield OAuth(AsyncAuthClient(BASE, storage, http_client=httpx.AsyncClient(transport=transport)))


def form_of(request: httpx.Request) -> dict[str, str]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True, strict_parsing=True))


def basic_credentials(request: httpx.Request) -> tuple[str, str]:
    scheme, _, value = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    client_id, _, secret = base64.b64decode(value).decode().partition(":")
    return unquote_plus(client_id), unquote_plus(secret)


# -- discovery
async def test_discovery_is_read_once_and_its_endpoints_are_used(oauth: OAuth, provider: FakeProvider) -> None:
    meta = await oauth.discovery()
    assert meta.issuer == ISSUER and meta.token_endpoint == f"{BASE}/x/token"
    assert meta.code_challenge_methods_supported == ["S256"]
    await oauth.client_credentials(CLIENT_ID, SECRET)
    await oauth.user_info("at")
    assert len(provider.to("/.well-known/openid-configuration")) == 1
    assert provider.to("/x/token") and provider.to("/x/userinfo")
    await oauth.discovery(refresh=True)
    assert len(provider.to("/.well-known/openid-configuration")) == 2


async def test_without_discovery_the_standard_paths_are_used(provider: FakeProvider, oauth: OAuth) -> None:
    provider.discovery = False
    meta = await oauth.discovery()
    assert (meta.issuer, meta.token_endpoint, meta.jwks_uri) == (
        BASE, f"{BASE}/oauth/token", f"{BASE}/.well-known/jwks.json"
    )
    assert (await oauth.exchange_code(CLIENT_ID, "c", CALLBACK)).access_token == "at"
    assert provider.to("/oauth/token")


# -- the authorization request
async def test_authorization_url_carries_state_nonce_and_an_s256_challenge(oauth: OAuth) -> None:
    request: AuthorizationRequest = await oauth.authorization_url(CLIENT_ID, CALLBACK, prompt="consent",
                                                                  audience="https://api.test")
    url = urlsplit(request.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/x/authorize"
    params = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert params == {
        "response_type": "code", "client_id": CLIENT_ID, "redirect_uri": CALLBACK, "scope": "openid profile email",
        "state": request.state, "nonce": request.nonce, "code_challenge": params["code_challenge"],
        "code_challenge_method": "S256", "prompt": "consent", "audience": "https://api.test",
    }
    verifier = request.code_verifier
    assert verifier is not None and 43 <= len(verifier) <= 128
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    assert params["code_challenge"] == expected and "=" not in expected
    assert request.issuer == ISSUER and request.client_id == CLIENT_ID


async def test_state_nonce_and_verifier_are_fresh_random_values(oauth: OAuth) -> None:
    requests = [await oauth.authorization_url(CLIENT_ID, CALLBACK) for _ in range(5)]
    for name in ("state", "nonce", "code_verifier"):
        values = {getattr(request, name) for request in requests}
        assert len(values) == 5, name
        assert all(len(value) >= 43 for value in values), name  # at least 256 bits
    assert len({new_code_verifier() for _ in range(20)}) == 20


def test_the_s256_challenge_is_rfc_7636s_example() -> None:
    assert code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


async def test_caller_values_and_opt_outs(oauth: OAuth) -> None:
    request = await oauth.authorization_url(CLIENT_ID, CALLBACK, ["api:read"], state="st", pkce=False,
                                            extra={"ui_locales": "fr"})
    params = dict(parse_qsl(urlsplit(request.url).query))
    assert params["state"] == "st" and params["scope"] == "api:read" and params["ui_locales"] == "fr"
    assert "nonce" not in params and request.nonce is None  # no openid: no ID token to bind
    assert "code_challenge" not in params and request.code_verifier is None
    mine = code_challenge_s256("v" * 50)
    own = await oauth.authorization_url(CLIENT_ID, CALLBACK, code_challenge=mine, nonce="my-nonce")
    params = dict(parse_qsl(urlsplit(own.url).query))
    assert params["code_challenge"] == mine and params["nonce"] == "my-nonce" and own.code_verifier is None


async def test_the_callback_gives_the_code_only_for_this_request(oauth: OAuth) -> None:
    request = await oauth.authorization_url(CLIENT_ID, CALLBACK)
    assert request.code_from(f"{CALLBACK}?code=abc&state={request.state}&iss={ISSUER}") == "abc"
    with pytest.raises(CallbackMismatch, match="state"):
        request.code_from(f"{CALLBACK}?code=abc&state=forged")
    with pytest.raises(CallbackMismatch, match="issuer"):
        request.code_from(f"{CALLBACK}?code=abc&state={request.state}&iss=https://evil.test")
    with pytest.raises(AccessDenied) as denied:
        request.code_from(f"{CALLBACK}?error=access_denied&error_description=No+thanks&state={request.state}")
    assert (denied.value.error, denied.value.error_description) == ("access_denied", "No thanks")


# -- the token endpoint
async def test_exchange_code_with_basic_auth_form_encodes_id_and_secret(oauth: OAuth, provider: FakeProvider) -> None:
    tokens: TokenSet = await oauth.exchange_code(CLIENT_ID, "the-code", CALLBACK, code_verifier="ver",
                                                 client_secret=SECRET)
    assert (tokens.access_token, tokens.refresh_token, tokens.id_token, tokens.expires_in) == ("at", "rt", "it", 900)
    assert tokens.scopes == ("openid", "profile", "api:read")
    sent = provider.last("/x/token")
    assert sent.method == "POST"
    assert form_of(sent) == {"grant_type": "authorization_code", "code": "the-code", "redirect_uri": CALLBACK,
                             "code_verifier": "ver"}
    raw = base64.b64decode(sent.headers["authorization"].split()[1]).decode()
    assert raw.count(":") == 1 and " " not in raw  # the secret's `:` and space are form-encoded
    assert basic_credentials(sent) == (CLIENT_ID, SECRET)


async def test_client_secret_post_and_public_clients_put_the_id_in_the_form(
    oauth: OAuth, provider: FakeProvider
) -> None:
    await oauth.exchange_code(CLIENT_ID, "c", CALLBACK, client_secret=SECRET, auth="post")
    sent = provider.last("/x/token")
    assert "authorization" not in sent.headers
    assert form_of(sent)["client_id"] == CLIENT_ID and form_of(sent)["client_secret"] == SECRET
    await oauth.exchange_code(CLIENT_ID, "c", CALLBACK, code_verifier="v")
    sent = provider.last("/x/token")
    assert "authorization" not in sent.headers and "client_secret" not in form_of(sent)
    assert form_of(sent)["client_id"] == CLIENT_ID
    with pytest.raises(ValueError, match="basic"):
        await oauth.exchange_code(CLIENT_ID, "c", CALLBACK, client_secret=SECRET, auth="jwt")


async def test_client_credentials_and_refresh_requests(oauth: OAuth, provider: FakeProvider) -> None:
    await oauth.client_credentials(CLIENT_ID, SECRET, ["api:read", "api:write"], audience="https://api.test")
    sent = provider.last("/x/token")
    assert form_of(sent) == {"grant_type": "client_credentials", "scope": "api:read api:write",
                             "audience": "https://api.test"}
    assert basic_credentials(sent) == (CLIENT_ID, SECRET)
    await oauth.client_credentials(CLIENT_ID, SECRET)
    assert form_of(provider.last("/x/token")) == {"grant_type": "client_credentials"}
    await oauth.refresh(CLIENT_ID, "rt-1", SECRET, scope="openid")
    assert form_of(provider.last("/x/token")) == {"grant_type": "refresh_token", "refresh_token": "rt-1",
                                                  "scope": "openid"}
    await oauth.refresh(CLIENT_ID, "rt-2")
    assert form_of(provider.last("/x/token")) == {"grant_type": "refresh_token", "refresh_token": "rt-2",
                                                  "client_id": CLIENT_ID}


# -- userinfo, revocation, introspection
async def test_user_info_sends_the_given_bearer_and_keeps_extra_claims(oauth: OAuth, provider: FakeProvider) -> None:
    info: UserInfo = await oauth.user_info("client-access-token")
    assert (info.sub, info.email, info.email_verified) == ("u1", "ada@example.com", True)
    assert info.claim("https://app.test/plan") == "pro" and info.claim("email") == "ada@example.com"
    sent = provider.last("/x/userinfo")
    assert sent.method == "GET" and sent.headers["authorization"] == "Bearer client-access-token"


async def test_revoke_and_introspect(oauth: OAuth, provider: FakeProvider) -> None:
    assert await oauth.revoke("rt", CLIENT_ID, SECRET, token_type_hint="refresh_token") is None
    sent = provider.last("/x/revoke")
    assert form_of(sent) == {"token": "rt", "token_type_hint": "refresh_token"}
    assert basic_credentials(sent) == (CLIENT_ID, SECRET)
    await oauth.revoke("rt", CLIENT_ID)  # a public client
    assert form_of(provider.last("/x/revoke")) == {"token": "rt", "client_id": CLIENT_ID}

    seen: Introspection = await oauth.introspect("at", CLIENT_ID, SECRET, auth="post")
    assert seen.active and seen.scopes == ("api:read",) and seen.aud == ["https://api.test"]
    assert seen.claim("custom") == 1
    assert form_of(provider.last("/x/introspect")) == {"token": "at", "client_id": CLIENT_ID,
                                                       "client_secret": SECRET}
    provider.answers["/x/introspect"] = httpx.Response(200, json={"active": False})
    inactive = await oauth.introspect("gone", CLIENT_ID, SECRET)
    assert not inactive.active and inactive.scope is None


# -- errors
@pytest.mark.parametrize(
    ("status", "error", "cls"),
    [
        (400, "invalid_grant", InvalidGrant),
        (401, "invalid_client", InvalidClient),
        (400, "invalid_scope", InvalidScope),
        (400, "unsupported_grant_type", OAuthError),
        (429, "temporarily_unavailable", RateLimited),
        (500, "server_error", ServerError),
    ],
)
async def test_rfc_6749_errors_become_the_sdks_exceptions(
    oauth: OAuth, provider: FakeProvider, status: int, error: str, cls: type[Exception]
) -> None:
    body = {"error": error, "error_description": "Because the server says so"}
    provider.answers["/x/token"] = httpx.Response(status, json=body)
    with pytest.raises(cls) as raised:
        await oauth.refresh(CLIENT_ID, "rt", SECRET)
    exc = raised.value
    assert type(exc) is cls
    assert (getattr(exc, "status"), getattr(exc, "error"), getattr(exc, "message")) == (
        status, error, "Because the server says so"
    )
    if isinstance(exc, OAuthError):
        assert exc.error_description == "Because the server says so"
        assert exc.to_dict()["error_description"] == "Because the server says so"


async def test_an_error_without_description_and_a_server_without_the_provider(
    oauth: OAuth, provider: FakeProvider
) -> None:
    provider.answers["/x/userinfo"] = httpx.Response(403, json={"error": "insufficient_scope"})
    with pytest.raises(InsufficientScope) as raised:
        await oauth.user_info("at")
    assert raised.value.status == 403 and raised.value.error_description is None
    provider.discovery = False
    await oauth.discovery(refresh=True)
    with pytest.raises(NotSupportedByServer):  # the Nhost face's 404 for a route it lacks
        await oauth.introspect("at", CLIENT_ID, SECRET)


# -- ID tokens
async def test_a_valid_id_token_is_verified_with_the_discovered_keys(oauth: OAuth, provider: FakeProvider) -> None:
    claims = await oauth.verify_id_token(provider.id_token(), CLIENT_ID, nonce="n-1", max_age=60)
    assert (claims.sub, claims.iss, claims.aud, claims.nonce, claims.email) == (
        "u1", ISSUER, CLIENT_ID, "n-1", "ada@example.com"
    )
    assert claims.amr == ["pwd"]
    await oauth.verify_id_token(provider.id_token(), CLIENT_ID)
    assert len(provider.to("/x/jwks")) == 1  # the keys are cached, fetched on the client's connection


@pytest.mark.parametrize(
    ("claims", "options", "reason"),
    [
        ({"aud": "aw_someone_else", "azp": None}, {}, "audience"),
        ({"iss": "https://evil.test"}, {}, "issuer"),
        ({"exp": int(time.time()) - 120}, {}, "expired"),
        ({}, {"nonce": "another"}, "nonce"),
        ({"nonce": None}, {"nonce": "n-1"}, "nonce"),
        ({"azp": "aw_someone_else"}, {}, "azp"),
        ({"aud": [CLIENT_ID, "aw_other"], "azp": None}, {}, "azp"),
        ({"auth_time": int(time.time()) - 3600}, {"max_age": 60}, "max_age"),
        ({"sub": None}, {}, "sub"),
    ],
)
async def test_a_wrong_id_token_is_refused(
    oauth: OAuth, provider: FakeProvider, claims: dict[str, Any], options: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidToken, match=f"(?i){reason}"):
        await oauth.verify_id_token(provider.id_token(**claims), CLIENT_ID, **options)


async def test_an_id_token_signed_by_another_key_is_refused(oauth: OAuth, provider: FakeProvider) -> None:
    token = provider.id_token()
    head, body, _ = token.split(".")
    other = Keys()
    forged = other.sign(**json.loads(base64.urlsafe_b64decode(body + "==")))
    forged_head = jwt.get_unverified_header(forged)
    assert forged_head["kid"] != jwt.get_unverified_header(token)["kid"]
    with pytest.raises(InvalidToken, match=r"(?i)key"):
        await oauth.verify_id_token(forged, CLIENT_ID)
    with pytest.raises(InvalidToken):
        await oauth.verify_id_token(f"{head}.{body}.{forged.split('.')[2]}", CLIENT_ID)


# -- logout and Nhost's login contract
async def test_end_session_url(oauth: OAuth) -> None:
    assert await oauth.end_session_url() == f"{BASE}/x/logout"
    url = await oauth.end_session_url("idt", "https://app.test/bye", state="s1", client_id=CLIENT_ID)
    assert dict(parse_qsl(urlsplit(url).query)) == {
        "id_token_hint": "idt", "post_logout_redirect_uri": "https://app.test/bye", "state": "s1",
        "client_id": CLIENT_ID,
    }


async def test_nhost_login_contract_uses_the_signed_in_session(oauth: OAuth, provider: FakeProvider) -> None:
    pending = await oauth.login_request("8d7d2b36-9d8e-4a5e-9d8e-4a5e9d8e4a5e")
    assert (pending.client_id, pending.scopes, pending.client_name) == (CLIENT_ID, ["openid"], "App")
    assert provider.last("/v1/oauth2/login").url.params["request_id"] == pending.request_id
    redirect = await oauth.complete_login(pending.request_id)
    assert redirect == f"{CALLBACK}?code=c0de&state=s"
    sent = provider.requests[-1]
    assert sent.method == "POST" and sent.headers["authorization"] == "Bearer user-session-token"
    assert json.loads(sent.content) == {"requestId": pending.request_id}


def test_the_session_token_is_never_sent_to_another_host() -> None:
    storage = MemoryStorage()
    storage.save(StoredSession(base_url=BASE, access_token="tok"))
    state = ClientState(BASE, storage)
    assert request_args(state, RequestSpec("GET", f"{BASE}/userinfo", auth=True))["url"] == f"{BASE}/userinfo"
    with pytest.raises(ValueError, match="own server"):
        request_args(state, RequestSpec("GET", "http://auth.test.evil/userinfo", auth=True))
    explicit = request_args(state, RequestSpec("GET", "https://other.test/userinfo", bearer="given"))
    assert explicit["headers"]["Authorization"] == "Bearer given"
