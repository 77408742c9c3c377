"""`client.oauth`: an OAuth 2.0 / OpenID Connect client of authward's provider, for both clients.

Flows as in `routes.py`, written once: the endpoints come from the discovery document (read once,
cached on the client for an hour; the standard paths when a server does not serve one), errors are
RFC 6749's (`OAuthError` and its branches), answers are typed (`TokenSet`, `UserInfo`,
`Introspection`). A confidential client authenticates with HTTP Basic (`auth="basic"`, RFC 6749
§2.3.1: id and secret form-encoded first) or in the form (`auth="post"`); a public client sends its
`client_id` only. ID tokens are verified with the provider's JWKS, cached by a `TokenVerifier`
and fetched on the client's own connection.

The first parameter of these flows is named `ctx`: `state` is the OAuth parameter.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from typing import Any, Literal
from urllib.parse import quote_plus, urlencode

import httpx
from pydantic import ValidationError

from authward.client.core import operation
from authward.client.errors import AuthError, InvalidToken, NotSupportedByServer, UnexpectedResponse
from authward.client.oauth_models import (
    AuthorizationRequest,
    IdTokenClaims,
    Introspection,
    LoginRequest,
    ProviderMetadata,
    TokenSet,
    UserInfo,
)
from authward.client.request_spec import Flow, RequestSpec, send
from authward.client.responses import parse_model
from authward.client.state import ClientState
from authward.client.verifier import TokenVerifier

__all__ = ["DEFAULT_SCOPE", "OAuthApi", "Scope", "code_challenge_s256", "new_code_verifier", "scope_text"]

DISCOVERY_PATH = "/.well-known/openid-configuration"
DISCOVERY_MAX_AGE = 3600.0  # seconds a discovery document is reused
DEFAULT_SCOPE = "openid profile email"
ID_TOKEN_CLAIMS = ("iss", "sub", "aud", "exp", "iat")
ClientAuth = Literal["basic", "post"]
Scope = str | Iterable[str]


# -- PKCE (RFC 7636) and the request's random values
def new_code_verifier() -> str:
    """A PKCE code verifier: 64 characters of base64url from 48 random bytes (RFC 7636 §4.1: 43..128)."""
    return secrets.token_urlsafe(48)


def code_challenge_s256(verifier: str) -> str:
    """`BASE64URL(SHA256(verifier))` without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def scope_text(scope: Scope | None) -> str | None:
    if scope is None:
        return None
    text = scope if isinstance(scope, str) else " ".join(scope)
    return text or None


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UnexpectedResponse(response.status_code, f"{response.request.url}: not a JSON object")
    return data


# -- discovery
def _metadata(ctx: ClientState, refresh: bool = False) -> Flow[ProviderMetadata]:
    cache = ctx.provider
    if cache.metadata is not None and not refresh and ctx.clock() - cache.fetched_at < DISCOVERY_MAX_AGE:
        return cache.metadata
    try:
        response = yield from send(RequestSpec("GET", f"{ctx.base_url}{DISCOVERY_PATH}"))
        document = _json_object(response)
    except NotSupportedByServer:
        document = {}  # no discovery: the standard paths
    try:
        metadata = ProviderMetadata.from_document(document, ctx.base_url)
    except ValidationError as exc:
        raise UnexpectedResponse(200, f"{DISCOVERY_PATH}: not a discovery document: {exc.errors()[:1]}") from exc
    if cache.keys is None or cache.keys.jwks_url != metadata.jwks_uri or cache.keys.issuer != metadata.issuer:
        cache.keys = TokenVerifier(metadata.jwks_uri, issuer=metadata.issuer)
    cache.metadata, cache.fetched_at = metadata, ctx.clock()
    return metadata


def discovery(ctx: ClientState, refresh: bool = False) -> Flow[ProviderMetadata]:
    """The provider's metadata (`/.well-known/openid-configuration`), cached; `refresh=True` rereads it."""
    return (yield from _metadata(ctx, refresh))


# -- the authorization request
def authorization_url(
    ctx: ClientState,
    client_id: str,
    redirect_uri: str,
    scope: Scope = DEFAULT_SCOPE,
    *,
    state: str | None = None,
    nonce: str | None = None,
    pkce: bool = True,
    code_challenge: str | None = None,
    prompt: str | None = None,
    audience: str | None = None,
    login_hint: str | None = None,
    max_age: int | None = None,
    ui_locales: str | None = None,
    extra: dict[str, str] | None = None,
) -> Flow[AuthorizationRequest]:
    """Where to send the browser: an authorization code request with a fresh `state`, a `nonce` (scope
    `openid`) and, unless `pkce=False` or you give your own `code_challenge`, a PKCE S256 verifier.

    Keep the returned request until the callback: `request.code_from(callback_url)` checks it and
    gives the code for `exchange_code(..., code_verifier=request.code_verifier)`.
    """
    meta = yield from _metadata(ctx)
    scopes = scope_text(scope) or ""
    state = state if state is not None else secrets.token_urlsafe(32)
    if nonce is None and "openid" in scopes.split():
        nonce = secrets.token_urlsafe(32)
    verifier = new_code_verifier() if pkce and code_challenge is None else None
    if verifier is not None:
        code_challenge = code_challenge_s256(verifier)
    params = {
        key: value
        for key, value in {
            "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scopes,
            "state": state, "nonce": nonce, "code_challenge": code_challenge,
            "code_challenge_method": "S256" if code_challenge else None, "prompt": prompt, "audience": audience,
            "login_hint": login_hint, "max_age": str(max_age) if max_age is not None else None,
            "ui_locales": ui_locales, **(extra or {}),
        }.items()
        if value
    }
    endpoint = meta.authorization_endpoint
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
    return AuthorizationRequest(url=url, client_id=client_id, redirect_uri=redirect_uri, scope=scopes,
                                state=state, issuer=meta.issuer, nonce=nonce, code_verifier=verifier)


# -- the token endpoint
def _client_auth(
    form: dict[str, str], client_id: str, client_secret: str | None, auth: ClientAuth
) -> dict[str, str]:
    """Add the client's credentials to `form`, or answer the Authorization header that carries them."""
    if client_secret is None:
        form["client_id"] = client_id  # a public client: identified, not authenticated
        return {}
    if auth == "post":
        form.update(client_id=client_id, client_secret=client_secret)
        return {}
    if auth != "basic":
        raise ValueError(f"auth must be 'basic' or 'post', not {auth!r}")
    pair = f"{quote_plus(client_id)}:{quote_plus(client_secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def _client_post(
    url: str, form: dict[str, str | None], client_id: str, client_secret: str | None, auth: ClientAuth
) -> RequestSpec:
    fields = {key: value for key, value in form.items() if value is not None}
    headers = _client_auth(fields, client_id, client_secret, auth)
    return RequestSpec("POST", url, form=fields, headers=headers, oauth_errors=True)


def _token(
    ctx: ClientState, form: dict[str, str | None], client_id: str, client_secret: str | None, auth: ClientAuth
) -> Flow[TokenSet]:
    meta = yield from _metadata(ctx)
    response = yield from send(_client_post(meta.token_endpoint, form, client_id, client_secret, auth))
    return parse_model(response, TokenSet)


def exchange_code(
    ctx: ClientState,
    client_id: str,
    code: str,
    redirect_uri: str,
    code_verifier: str | None = None,
    client_secret: str | None = None,
    auth: ClientAuth = "basic",
) -> Flow[TokenSet]:
    """Redeem an authorization code (once) for tokens; `code_verifier` is the request's PKCE verifier."""
    form: dict[str, str | None] = {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": code_verifier,
    }
    return (yield from _token(ctx, form, client_id, client_secret, auth))


def client_credentials(
    ctx: ClientState,
    client_id: str,
    client_secret: str,
    scope: Scope | None = None,
    audience: str | None = None,
    auth: ClientAuth = "basic",
) -> Flow[TokenSet]:
    """A token for the client itself (service to service): `sub` is the client id. Without `scope`, the
    client's API scopes; without `audience`, its first registered API."""
    form = {"grant_type": "client_credentials", "scope": scope_text(scope), "audience": audience}
    return (yield from _token(ctx, form, client_id, client_secret, auth))


def refresh(
    ctx: ClientState,
    client_id: str,
    refresh_token: str,
    client_secret: str | None = None,
    scope: Scope | None = None,
    auth: ClientAuth = "basic",
) -> Flow[TokenSet]:
    """Rotate a refresh token: keep the new one from the answer (the old one is spent). `scope` may only narrow."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "scope": scope_text(scope)}
    return (yield from _token(ctx, form, client_id, client_secret, auth))


# -- what a token is, and ending it
def user_info(ctx: ClientState, access_token: str) -> Flow[UserInfo]:
    """The claims of the token's user that its scopes release (the token needs scope `openid`)."""
    meta = yield from _metadata(ctx)
    response = yield from send(RequestSpec("GET", meta.userinfo_endpoint, bearer=access_token, oauth_errors=True))
    return parse_model(response, UserInfo)


def revoke(
    ctx: ClientState,
    token: str,
    client_id: str,
    client_secret: str | None = None,
    token_type_hint: str | None = None,
    auth: ClientAuth = "basic",
) -> Flow[None]:
    """End a refresh token's session (or an access token's: its session ends, the JWT lives until `exp`).
    Unknown tokens succeed too (RFC 7009)."""
    meta = yield from _metadata(ctx)
    form = {"token": token, "token_type_hint": token_type_hint}
    yield from send(_client_post(meta.revocation_endpoint, form, client_id, client_secret, auth))


def introspect(
    ctx: ClientState,
    token: str,
    client_id: str,
    client_secret: str,
    token_type_hint: str | None = None,
    auth: ClientAuth = "basic",
) -> Flow[Introspection]:
    """Ask whether a token is live (RFC 7662): `active=False` for anything unknown, expired or revoked."""
    meta = yield from _metadata(ctx)
    form = {"token": token, "token_type_hint": token_type_hint}
    response = yield from send(_client_post(meta.introspection_endpoint, form, client_id, client_secret, auth))
    return parse_model(response, Introspection)


# -- ID tokens and logout
def verify_id_token(
    ctx: ClientState, id_token: str, client_id: str, nonce: str | None = None, *, max_age: int | None = None
) -> Flow[IdTokenClaims]:
    """The claims of an ID token checked against the provider's keys: signature, `iss` (discovery's
    issuer), `aud` (contains `client_id`), `exp`, `azp` (when present, or several audiences), and
    `nonce` / `auth_time` when you give `nonce` / `max_age`. InvalidToken otherwise."""
    yield from _metadata(ctx)
    keys = ctx.provider.keys
    assert keys is not None  # set with the metadata
    url = keys.key_fetch_url(id_token)
    if url is not None:
        try:
            response = yield from send(RequestSpec("GET", url))
            keys.install_keys(_json_object(response))
        except AuthError:
            if not keys.knows_key(id_token):  # a stale cache that has the key keeps working
                raise
    claims = keys.decode(id_token, audience=client_id, require=ID_TOKEN_CLAIMS)
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if (azp is not None or len(audiences) > 1) and azp != client_id:
        raise InvalidToken(401, "invalid-token", f"The ID token was issued to {azp!r} (azp), not {client_id!r}")
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise InvalidToken(401, "invalid-token", "The ID token's nonce is not this request's (a replay?)")
    if max_age is not None:
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int | float) or time.time() - auth_time > max_age + keys.leeway:
            raise InvalidToken(401, "invalid-token", f"The login is older than max_age ({max_age} s)")
    return IdTokenClaims.model_validate(claims)


def end_session_url(
    ctx: ClientState,
    id_token_hint: str | None = None,
    post_logout_redirect_uri: str | None = None,
    state: str | None = None,
    client_id: str | None = None,
) -> Flow[str]:
    """Where to send the browser to log out (OIDC RP-Initiated Logout); with `id_token_hint`, at once."""
    meta = yield from _metadata(ctx)
    params = {
        key: value
        for key, value in {
            "id_token_hint": id_token_hint, "post_logout_redirect_uri": post_logout_redirect_uri, "state": state,
            "client_id": client_id,
        }.items()
        if value
    }
    endpoint = meta.end_session_endpoint
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}" if params else endpoint


# -- Nhost's login contract: an app with its own login UI finishes a pending /authorize
def login_request(ctx: ClientState, request_id: str) -> Flow[LoginRequest]:
    """The pending authorization request a login UI was sent to (`?request_id=`): client and scopes."""
    response = yield from send(RequestSpec("GET", "/oauth2/login", params={"request_id": request_id}))
    return parse_model(response, LoginRequest)


def complete_login(ctx: ClientState, request_id: str) -> Flow[str]:
    """The signed-in user (this client's session) agrees to the request: the client's redirect URL,
    code included, to send the browser to."""
    spec = RequestSpec("POST", "/oauth2/login", json={"requestId": request_id}, auth=True)
    response = yield from send(spec)
    redirect = _json_object(response).get("redirectUri")
    if not isinstance(redirect, str):
        raise UnexpectedResponse(response.status_code, "POST /oauth2/login: no redirectUri")
    return redirect


class OAuthApi:
    """`client.oauth`: the method table, one line per flow, for `AuthClient` and `AsyncAuthClient`."""

    discovery = operation(discovery)
    authorization_url = operation(authorization_url)
    exchange_code = operation(exchange_code)
    client_credentials = operation(client_credentials)
    refresh = operation(refresh)
    user_info = operation(user_info)
    revoke = operation(revoke)
    introspect = operation(introspect)
    verify_id_token = operation(verify_id_token)
    end_session_url = operation(end_session_url)
    login_request = operation(login_request)
    complete_login = operation(complete_login)
