"""Flows for the Nhost Auth routes that create and end sessions, plus the service routes.

One flow per route, named after nhost-js's method in snake_case. A flow builds its request,
parses the answer into a model and, when the answer is a session, keeps it (as nhost-js does).
Routes about the signed-in account (profile, MFA, PATs) are in `account.py`. Adding a route is
one small function and one line in `api.py`.
"""

from __future__ import annotations

from typing import Any

from authward.client.errors import InvalidToken, MfaError, SessionRevoked, Unauthenticated
from authward.client.models import (
    JWKSet,
    ServerVersion,
    Session,
    SessionPayload,
    SignInResponse,
    SignUpOptions,
)
from authward.client.request_spec import Flow, RequestSpec, body, send
from authward.client.responses import parse_model
from authward.client.state import ClientState

Options = SignUpOptions | dict[str, Any] | None


def _session_payload(state: ClientState, spec: RequestSpec) -> Flow[SessionPayload]:
    response = yield from send(spec)
    payload = parse_model(response, SessionPayload)
    state.remember_sign_in(payload)
    return payload


def _sign_in(state: ClientState, spec: RequestSpec) -> Flow[SignInResponse]:
    response = yield from send(spec)
    result = parse_model(response, SignInResponse)
    state.remember_sign_in(result)
    return result


# -- sign up / sign in
def sign_up_email_password(
    state: ClientState, email: str, password: str, options: Options = None, code_challenge: str | None = None
) -> Flow[SessionPayload]:
    """Register a user; the session is null when the server requires a verified email first.

    With `code_challenge` (PKCE), the verification link's redirect carries a `code` for `exchange_code`."""
    json = body(email=email, password=password, options=SignUpOptions.wire(options), codeChallenge=code_challenge)
    return (yield from _session_payload(state, RequestSpec("POST", "/signup/email-password", json=json)))


def sign_in_email_password(state: ClientState, email: str, password: str) -> Flow[SignInResponse]:
    """Sign in; with MFA active the answer holds `mfa.ticket` instead of a session."""
    json = {"email": email, "password": password}
    return (yield from _sign_in(state, RequestSpec("POST", "/signin/email-password", json=json)))


def verify_sign_in_mfa_totp(state: ClientState, otp: str, ticket: str | None = None) -> Flow[SessionPayload]:
    """Complete an MFA sign-in with a TOTP (or recovery) code; the pending ticket is used by default."""
    chosen = ticket or state.mfa_ticket()
    if not chosen:
        raise MfaError(400, "no-mfa-ticket", "No sign-in is waiting for a second factor: sign in first")
    json = {"ticket": chosen, "otp": otp}
    return (yield from _session_payload(state, RequestSpec("POST", "/signin/mfa/totp", json=json)))


def sign_in_pat(state: ClientState, personal_access_token: str) -> Flow[SessionPayload]:
    """Exchange a personal access token for a session."""
    json = {"personalAccessToken": personal_access_token}
    return (yield from _session_payload(state, RequestSpec("POST", "/signin/pat", json=json)))


def sign_in_anonymous(
    state: ClientState,
    display_name: str | None = None,
    locale: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Flow[SessionPayload]:
    """Create an anonymous user and sign in as it."""
    json = body(displayName=display_name, locale=locale, metadata=metadata)
    return (yield from _session_payload(state, RequestSpec("POST", "/signin/anonymous", json=json)))


def sign_in_passwordless_email(
    state: ClientState, email: str, options: Options = None, code_challenge: str | None = None
) -> Flow[None]:
    """Send a magic link to `email`; with `code_challenge` (PKCE) its redirect carries a `code`, not a token."""
    json = body(email=email, options=SignUpOptions.wire(options), codeChallenge=code_challenge)
    yield from send(RequestSpec("POST", "/signin/passwordless/email", json=json))


def sign_up_passwordless_email(
    state: ClientState, email: str, options: Options = None, code_challenge: str | None = None
) -> Flow[None]:
    """Send a magic link that creates the account when followed (a registered address gets nothing)."""
    json = body(email=email, options=SignUpOptions.wire(options), codeChallenge=code_challenge)
    yield from send(RequestSpec("POST", "/signup/passwordless/email", json=json))


def sign_in_otp_email(state: ClientState, email: str, options: Options = None) -> Flow[None]:
    """Send a one-time code to `email`."""
    json = body(email=email, options=SignUpOptions.wire(options))
    yield from send(RequestSpec("POST", "/signin/otp/email", json=json))


def sign_up_otp_email(state: ClientState, email: str, options: Options = None) -> Flow[None]:
    """Send a one-time code that creates the account when verified (a registered address gets nothing)."""
    json = body(email=email, options=SignUpOptions.wire(options))
    yield from send(RequestSpec("POST", "/signup/otp/email", json=json))


def verify_sign_in_otp_email(state: ClientState, email: str, otp: str) -> Flow[SignInResponse]:
    """Sign in with the code sent by `sign_in_otp_email`; with MFA active the answer holds an MFA ticket."""
    json = {"email": email, "otp": otp}
    return (yield from _sign_in(state, RequestSpec("POST", "/signin/otp/email/verify", json=json)))


def sign_up_passwordless_sms(state: ClientState, phone_number: str, options: Options = None) -> Flow[None]:
    """Register with a phone number: the server texts a one-time code."""
    json = body(phoneNumber=phone_number, options=SignUpOptions.wire(options))
    yield from send(RequestSpec("POST", "/signup/passwordless/sms", json=json))


def sign_in_passwordless_sms(state: ClientState, phone_number: str, options: Options = None) -> Flow[None]:
    """Text a one-time sign-in code to `phone_number`."""
    json = body(phoneNumber=phone_number, options=SignUpOptions.wire(options))
    yield from send(RequestSpec("POST", "/signin/passwordless/sms", json=json))


def verify_sign_in_passwordless_sms(state: ClientState, phone_number: str, otp: str) -> Flow[SignInResponse]:
    """Sign in with the texted code; with MFA active the answer holds an MFA ticket."""
    json = {"phoneNumber": phone_number, "otp": otp}
    return (yield from _sign_in(state, RequestSpec("POST", "/signin/passwordless/sms/otp", json=json)))


def elevate_totp(state: ClientState, otp: str) -> Flow[SessionPayload]:
    """(authward) Step up the current session with a TOTP code, for routes that need elevation."""
    return (yield from _session_payload(state, RequestSpec("POST", "/elevate/totp", json={"otp": otp}, auth=True)))


# -- session
def exchange_code(state: ClientState, code: str, code_verifier: str) -> Flow[SessionPayload]:
    """Trade the `code` of a PKCE redirect (a link asked for with `code_challenge`) and the verifier kept
    since for the session, which is stored. Nhost's `tokenExchange`; the code works once."""
    json = {"code": code, "codeVerifier": code_verifier}
    return (yield from _session_payload(state, RequestSpec("POST", "/token/exchange", json=json)))


def refresh_token(state: ClientState, refresh_token: str | None = None) -> Flow[Session]:
    """Rotate a refresh token for a new session; without an argument, refresh the stored session."""
    if refresh_token is not None:
        response = yield from send(RequestSpec("POST", "/token", json={"refreshToken": refresh_token}))
        return parse_model(response, Session)
    return (yield from refresh_session(state))


def refresh_session(state: ClientState) -> Flow[Session]:
    """Refresh the stored session and store the rotated tokens in one write.

    A dead refresh token clears the session, unless another client sharing the storage
    rotated it meanwhile (then its fresh session is kept and returned).
    """
    used = state.refresh_token()
    try:
        response = yield from send(RequestSpec("POST", "/token", json={"refreshToken": used}))
    except SessionRevoked:
        current = state.load()
        if current is not None and current.refresh_token not in (None, used) and current.access_token:
            return Session(
                access_token=current.access_token,
                access_token_expires_in=max(0, int((current.expires_at or 0) - state.clock())),
                refresh_token=current.refresh_token or "",
                refresh_token_id=current.refresh_token_id or "",
                user=current.user,
            )
        state.forget()
        raise
    session = parse_model(response, Session)
    state.remember_session(session)
    return session


def sign_out(state: ClientState, all: bool = False, refresh_token: str | None = None) -> Flow[None]:
    """Revoke the session (or, with `all=True`, every session of the user) and forget it locally."""
    stored = state.load()
    token = refresh_token or (stored.refresh_token if stored else None)
    if token is None and not all:
        state.forget()
        return
    yield from send(RequestSpec("POST", "/signout", json=body(refreshToken=token, all=all or None), auth=all))
    if refresh_token is None or (stored is not None and stored.refresh_token == refresh_token):
        state.forget()


def verify_token(state: ClientState, token: str | None = None) -> Flow[bool]:
    """Ask the server whether an access token (default: the session's) is valid."""
    if token:
        spec = RequestSpec("POST", "/token/verify", json={"token": token})
    else:
        spec = RequestSpec("POST", "/token/verify", json={}, auth=True)
    try:
        yield from send(spec)
    except (InvalidToken, Unauthenticated):
        return False
    return True


# -- service
def get_jwks(state: ClientState) -> Flow[JWKSet]:
    """The public keys that verify access tokens."""
    response = yield from send(RequestSpec("GET", "/.well-known/jwks.json"))
    return parse_model(response, JWKSet)


def get_version(state: ClientState) -> Flow[str]:
    """The server's version string."""
    response = yield from send(RequestSpec("GET", "/version"))
    return parse_model(response, ServerVersion).version


def health_check(state: ClientState) -> Flow[bool]:
    """True when the server answers its health check."""
    yield from send(RequestSpec("GET", "/healthz"))
    return True
