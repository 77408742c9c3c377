"""Flows for social sign-in: the provider URL to open, the provider's tokens, ID tokens, links.

`sign_in_provider_url` builds a URL (no request), as nhost-js's `signInProviderURL`; the browser
comes back to `redirect_to` with `refreshToken`, which `sign_in_refresh_token` turns into the
stored session. Routes marked (authward) go beyond the Nhost spec.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from authward.client.models import ProviderLink, ProviderSession, Session, SessionPayload, SignInResponse, SignUpOptions
from authward.client.request_spec import Flow, RequestSpec, body, send
from authward.client.responses import parse_model
from authward.client.state import ClientState

Options = SignUpOptions | dict[str, Any] | None


def provider_url(state: ClientState, provider: str, options: Options = None, *, sign_up: bool = False,
                 connect: str | None = None, client_state: str | None = None,
                 upstream_params: dict[str, str] | None = None) -> str:
    """`GET /signin/provider/{provider}` (or `/signup/...`) with the sign-up options as query parameters."""
    wire = SignUpOptions.wire(options) or {}
    params: dict[str, str] = {}
    for key, value in wire.items():
        if key == "allowedRoles":
            params[key] = ",".join(value)
        elif key == "metadata":
            params[key] = json.dumps(value, separators=(",", ":"))
        else:
            params[key] = str(value)
    params.update(body(connect=connect, state=client_state))
    for key, value in (upstream_params or {}).items():
        params[f"upstreamParams[{key}]"] = value
    path = f"/{'signup' if sign_up else 'signin'}/provider/{quote(provider, safe='')}"
    return state.url(path) + (f"?{urlencode(params)}" if params else "")


def sign_in_refresh_token(state: ClientState, refresh_token: str) -> Flow[Session]:
    """The `refreshToken` a redirect delivered (provider sign-in, email link) as the stored session."""
    response = yield from send(RequestSpec("POST", "/token", json={"refreshToken": refresh_token}))
    session = parse_model(response, Session)
    state.remember_session(session)
    return session


def get_provider_tokens(state: ClientState, provider: str) -> Flow[ProviderSession]:
    """The provider's own tokens from the sign-in that just happened: readable once."""
    path = f"/signin/provider/{quote(provider, safe='')}/callback/tokens"
    response = yield from send(RequestSpec("GET", path, auth=True))
    return parse_model(response, ProviderSession)


def refresh_provider_token(state: ClientState, provider: str, refresh_token: str) -> Flow[ProviderSession]:
    """A new provider access token from the provider's refresh token."""
    path = f"/token/provider/{quote(provider, safe='')}"
    response = yield from send(RequestSpec("POST", path, json={"refreshToken": refresh_token}, auth=True))
    return parse_model(response, ProviderSession)


def sign_in_id_token(state: ClientState, provider: str, id_token: str, nonce: str | None = None,
                     options: Options = None) -> Flow[SignInResponse]:
    """Sign in (or up, unless auto sign-up is off) with an ID token from apple, google or a generic OIDC provider."""
    json_body = body(provider=provider, idToken=id_token, nonce=nonce, options=SignUpOptions.wire(options))
    response = yield from send(RequestSpec("POST", "/signin/idtoken", json=json_body))
    result = parse_model(response, SignInResponse)
    state.remember_sign_in(result)
    return result


def sign_up_id_token(state: ClientState, provider: str, id_token: str, nonce: str | None = None,
                     options: Options = None) -> Flow[SessionPayload]:
    """Register with an ID token (`user-already-exists` for a known identity or address)."""
    json_body = body(provider=provider, idToken=id_token, nonce=nonce, options=SignUpOptions.wire(options))
    response = yield from send(RequestSpec("POST", "/signup/idtoken", json=json_body))
    payload = parse_model(response, SessionPayload)
    state.remember_sign_in(payload)
    return payload


def link_id_token(state: ClientState, provider: str, id_token: str, nonce: str | None = None) -> Flow[None]:
    """Link the identity of an ID token to the signed-in user (needs a recent sign-in)."""
    json_body = body(provider=provider, idToken=id_token, nonce=nonce)
    yield from send(RequestSpec("POST", "/link/idtoken", json=json_body, auth=True))


def list_user_providers(state: ClientState) -> Flow[list[ProviderLink]]:
    """(authward) The signed-in user's provider links."""
    response = yield from send(RequestSpec("GET", "/user/providers", auth=True))
    return [ProviderLink.model_validate(item) for item in response.json()["providers"]]


def unlink_user_provider(state: ClientState, link_id: str) -> Flow[None]:
    """(authward) Remove a provider link; refused when it is the last way to sign in."""
    yield from send(RequestSpec("DELETE", f"/user/providers/{quote(link_id, safe='')}", auth=True))
