"""Flows for the WebAuthn routes: passkey sign-up and sign-in, security keys, step-up elevation.

Each ceremony is two calls. The first answers the options as the browser's JSON (what
`@simplewebauthn/browser`'s `startRegistration({optionsJSON})` / `startAuthentication(...)` or
`PublicKeyCredential.parse{Creation,Request}OptionsFromJSON` take); the second takes what the browser
(or authenticator) answered, as that same JSON: a dict or its JSON text. Nothing here talks to an
authenticator: this SDK relays. Routes marked (authward) go beyond the Nhost spec.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import quote

import httpx

from authward.client.errors import InvalidRequest, UnexpectedResponse
from authward.client.models import (
    SecurityKey,
    SecurityKeyAdded,
    SecurityKeyList,
    SessionPayload,
    SignInResponse,
    SignUpOptions,
)
from authward.client.request_spec import Flow, RequestSpec, body, send
from authward.client.responses import parse_model
from authward.client.state import ClientState

BrowserJson = dict[str, Any] | str


def _browser_json(value: BrowserJson, what: str) -> dict[str, Any]:
    """The browser's credential, given as a dict or as its JSON text."""
    if isinstance(value, str):
        try:
            value = jsonlib.loads(value)
        except ValueError as exc:
            raise InvalidRequest(400, "invalid-request", f"{what} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidRequest(400, "invalid-request", f"{what} must be a JSON object (the browser's credential)")
    return value


def _options(response: httpx.Response) -> dict[str, Any]:
    try:
        options = response.json()
    except ValueError:
        options = None
    if not isinstance(options, dict) or "challenge" not in options:
        raise UnexpectedResponse(response.status_code, f"{response.request.url.path}: not WebAuthn options")
    return options


# -- sign-up
def sign_up_webauthn(
    state: ClientState, email: str, options: SignUpOptions | dict[str, Any] | None = None
) -> Flow[dict[str, Any]]:
    """Registration options for a new account with a passkey (nothing is created yet)."""
    json = body(email=email, options=SignUpOptions.wire(options))
    return _options((yield from send(RequestSpec("POST", "/signup/webauthn", json=json))))


def verify_sign_up_webauthn(
    state: ClientState, credential: BrowserJson, options: SignUpOptions | dict[str, Any] | None = None,
    nickname: str | None = None,
) -> Flow[SessionPayload]:
    """Create the account from the browser's registration response; the session (kept) is null while
    the server waits for the email address to be verified."""
    json = body(credential=_browser_json(credential, "credential"), options=SignUpOptions.wire(options),
                nickname=nickname)
    response = yield from send(RequestSpec("POST", "/signup/webauthn/verify", json=json))
    payload = parse_model(response, SessionPayload)
    state.remember_sign_in(payload)
    return payload


# -- sign-in
def sign_in_webauthn(state: ClientState, email: str | None = None) -> Flow[dict[str, Any]]:
    """Authentication options: without `email`, any passkey of the site; with it, that account's keys."""
    return _options((yield from send(RequestSpec("POST", "/signin/webauthn", json=body(email=email)))))


def verify_sign_in_webauthn(state: ClientState, credential: BrowserJson) -> Flow[SignInResponse]:
    """Sign in with the browser's assertion. Without user verification on the key, a user with TOTP
    gets `mfa.ticket` instead of a session (finish with `verify_sign_in_mfa_totp`)."""
    json = {"credential": _browser_json(credential, "credential")}
    response = yield from send(RequestSpec("POST", "/signin/webauthn/verify", json=json))
    result = parse_model(response, SignInResponse)
    state.remember_sign_in(result)
    return result


# -- security keys of the signed-in account
def add_security_key(state: ClientState) -> Flow[dict[str, Any]]:
    """Registration options for one more key (needs an elevated session when the server requires one)."""
    return _options((yield from send(RequestSpec("POST", "/user/webauthn/add", auth=True))))


def verify_add_security_key(
    state: ClientState, credential: BrowserJson, nickname: str | None = None
) -> Flow[SecurityKeyAdded]:
    """Register the key from the browser's response; its id (and nickname)."""
    json = body(credential=_browser_json(credential, "credential"), nickname=nickname)
    response = yield from send(RequestSpec("POST", "/user/webauthn/verify", json=json, auth=True))
    return parse_model(response, SecurityKeyAdded)


def list_security_keys(state: ClientState) -> Flow[list[SecurityKey]]:
    """(authward) The account's passkeys and security keys."""
    response = yield from send(RequestSpec("GET", "/user/webauthn", auth=True))
    return parse_model(response, SecurityKeyList).security_keys


def rename_security_key(state: ClientState, key_id: str, nickname: str | None) -> Flow[SecurityKey]:
    """(authward) Set (or, with None, clear) a key's nickname."""
    path = f"/user/webauthn/{quote(key_id, safe='')}"
    response = yield from send(RequestSpec("PATCH", path, json={"nickname": nickname}, auth=True))
    return parse_model(response, SecurityKey)


def remove_security_key(state: ClientState, key_id: str) -> Flow[None]:
    """(authward) Remove a key. The server refuses (`InvalidRequest`) to remove the account's last way to
    sign in; `NotFound` for an id that is not one of the user's keys."""
    yield from send(RequestSpec("DELETE", f"/user/webauthn/{quote(key_id, safe='')}", auth=True))


# -- step-up
def elevate_webauthn(state: ClientState) -> Flow[dict[str, Any]]:
    """Authentication options listing the account's keys, to elevate the current session."""
    return _options((yield from send(RequestSpec("POST", "/elevate/webauthn", auth=True))))


def verify_elevate_webauthn(state: ClientState, credential: BrowserJson) -> Flow[SessionPayload]:
    """A new, elevated session (kept) from the browser's assertion."""
    json = {"credential": _browser_json(credential, "credential")}
    response = yield from send(RequestSpec("POST", "/elevate/webauthn/verify", json=json, auth=True))
    payload = parse_model(response, SessionPayload)
    state.remember_sign_in(payload)
    return payload
