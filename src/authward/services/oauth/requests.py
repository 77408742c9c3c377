"""Reading an authorization request (`/authorize`, RFC 6749 §4.1.1 + OIDC Core §3.1.2.1 + PKCE).

Two kinds of failure, as RFC 6749 §4.1.2.1 says: without a known client and a registered redirect URI
(exact match) nothing is redirected (`ErrorPage`); after that every error goes back to the client's
redirect URI (`OAuthError`, with `state` and `iss` added by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from authward.errors import OAuthError
from authward.services.oauth.clients import AUTHORIZATION_CODE
from authward.storage.models import OAuthClient

PROMPTS = frozenset({"none", "login", "consent", "select_account"})
CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
MAX_PARAM = 2048


@dataclass(frozen=True)
class ErrorPage:
    """An error shown on our own page: the request cannot be trusted to redirect anywhere."""

    error: str
    description: str


@dataclass(frozen=True)
class AuthorizeRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    login_hint: str | None = None
    ui_locales: str | None = None
    audience: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        data["prompt"] = list(self.prompt)
        data["audience"] = list(self.audience)
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> AuthorizeRequest:
        values = dict(data)
        for name in ("scopes", "prompt", "audience"):
            values[name] = tuple(values.get(name) or ())
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def redirect_target(client: OAuthClient | None, params: Mapping[str, str]) -> ErrorPage | str:
    """The redirect URI errors may go to, or the page to show instead."""
    if client is None:
        return ErrorPage("invalid_request", "Unknown client_id: this application is not registered here")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri and len(client.redirect_uris) == 1:
        return client.redirect_uris[0]  # OAuth 2.0 allows omitting it when exactly one is registered
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        return ErrorPage("invalid_request", "The redirect_uri is not registered for this application")
    return redirect_uri


def read_request(client: OAuthClient, redirect_uri: str, params: Mapping[str, str]) -> AuthorizeRequest:
    """Check everything but the client and redirect URI; OAuthError on the first problem."""
    for name, value in params.items():
        if len(value) > MAX_PARAM:
            raise OAuthError("invalid_request", f"{name} is too long")
    if "request" in params:
        raise OAuthError("request_not_supported", "Request objects are not supported")
    if "request_uri" in params:
        raise OAuthError("request_uri_not_supported", "request_uri is not supported")
    response_type = params.get("response_type")
    if not response_type:
        raise OAuthError("invalid_request", "response_type is required")
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "Only the authorization code flow (response_type=code)")
    if params.get("response_mode", "query") != "query":
        raise OAuthError("invalid_request", "Only response_mode=query is supported")
    if AUTHORIZATION_CODE not in client.grant_types:
        raise OAuthError("unauthorized_client", "This client may not use the authorization code grant")
    scopes = tuple(dict.fromkeys((params.get("scope") or "").split()))
    refused = [scope for scope in scopes if scope not in client.scopes]
    if refused:
        raise OAuthError("invalid_scope", f"Scope not allowed for this client: {' '.join(refused)}")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if challenge is None and method is not None:
        raise OAuthError("invalid_request", "code_challenge_method without code_challenge")
    if challenge is not None:
        if (method or "plain") != "S256":
            raise OAuthError("invalid_request", "Only code_challenge_method=S256 is supported (plain is not)")
        if not CODE_CHALLENGE.match(challenge):
            raise OAuthError("invalid_request", "code_challenge must be 43 to 128 characters of [A-Za-z0-9._~-]")
    elif client.is_public:
        raise OAuthError("invalid_request", "A public client must use PKCE (code_challenge, S256)")
    prompt = tuple(dict.fromkeys((params.get("prompt") or "").split()))
    if set(prompt) - PROMPTS:
        raise OAuthError("invalid_request", f"Unknown prompt value: {' '.join(sorted(set(prompt) - PROMPTS))}")
    if "none" in prompt and len(prompt) > 1:
        raise OAuthError("invalid_request", "prompt=none cannot be combined with other values")
    max_age = _max_age(params.get("max_age"))
    audience = _audience(client, params)
    return AuthorizeRequest(
        client_id=client.client_id, redirect_uri=redirect_uri, scopes=scopes, state=params.get("state"),
        nonce=params.get("nonce"), code_challenge=challenge, code_challenge_method="S256" if challenge else None,
        prompt=prompt, max_age=max_age, login_hint=params.get("login_hint"), ui_locales=params.get("ui_locales"),
        audience=audience,
    )


def _max_age(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit():
        raise OAuthError("invalid_request", "max_age must be a number of seconds")
    return int(raw)


def _audience(client: OAuthClient, params: Mapping[str, str]) -> tuple[str, ...]:
    """RFC 8707 `resource` (or Auth0's `audience`): each must be an API the client may call."""
    wanted = [value for value in (params.get("resource"), params.get("audience")) if value]
    for value in wanted:
        if value not in (client.audiences or []):
            raise OAuthError("invalid_target", f"This client may not get tokens for {value}")
    return tuple(dict.fromkeys(wanted))
