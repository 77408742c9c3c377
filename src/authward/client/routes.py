"""One flow per Nhost Auth route, named after nhost-js's method in snake_case.

Each flow builds its request, parses the answer into a model and, when the answer is a
session, keeps it in the client's storage (as nhost-js does). Adding a route the server
gains is one small function here and one line in `api.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from authward.client.core import ClientState, Flow, RequestSpec, parse_model, send
from authward.client.errors import InvalidToken, MfaError, SessionRevoked, Unauthenticated, UnexpectedResponse
from authward.client.models import (
    JWKSet,
    PersonalAccessToken,
    ServerVersion,
    Session,
    SessionPayload,
    SignInResponse,
    SignUpOptions,
    TotpSetup,
    User,
)

Options = SignUpOptions | dict[str, Any] | None


def _options(options: Options) -> dict[str, Any] | None:
    if options is None:
        return None
    wire = options.to_wire() if isinstance(options, SignUpOptions) else SignUpOptions(**options).to_wire()
    return wire or None


def _body(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _keep(state: ClientState, payload: SessionPayload) -> SessionPayload:
    if payload.session is not None:
        state.remember_session(payload.session)
    return payload


def _ok(response: httpx.Response) -> None:
    """Routes answering `"OK"`: any 2xx is success; the body carries nothing more."""
    del response


# -- sign up / sign in
def sign_up_email_password(
    state: ClientState, email: str, password: str, options: Options = None
) -> Flow[SessionPayload]:
    """Register a user; the session is null when the server requires a verified email first."""
    body = _body(email=email, password=password, options=_options(options))
    response = yield from send(RequestSpec("POST", "/signup/email-password", json=body))
    return _keep(state, parse_model(response, SessionPayload))


def sign_in_email_password(state: ClientState, email: str, password: str) -> Flow[SignInResponse]:
    """Sign in; with MFA active the answer holds `mfa.ticket` instead of a session."""
    body = {"email": email, "password": password}
    response = yield from send(RequestSpec("POST", "/signin/email-password", json=body))
    result = parse_model(response, SignInResponse)
    if result.session is not None:
        state.remember_session(result.session)
    elif result.mfa is not None:
        state.remember_mfa_ticket(result.mfa.ticket)
    return result


def verify_sign_in_mfa_totp(state: ClientState, otp: str, ticket: str | None = None) -> Flow[SessionPayload]:
    """Complete an MFA sign-in with a TOTP code (the pending ticket is used when none is given)."""
    chosen = ticket or state.mfa_ticket()
    if not chosen:
        raise MfaError(400, "no-mfa-ticket", "No sign-in is waiting for a second factor: sign in first")
    body = {"ticket": chosen, "otp": otp}
    response = yield from send(RequestSpec("POST", "/signin/mfa/totp", json=body))
    return _keep(state, parse_model(response, SessionPayload))


def sign_in_pat(state: ClientState, personal_access_token: str) -> Flow[SessionPayload]:
    """Exchange a personal access token for a session."""
    body = {"personalAccessToken": personal_access_token}
    response = yield from send(RequestSpec("POST", "/signin/pat", json=body))
    return _keep(state, parse_model(response, SessionPayload))


def sign_in_anonymous(
    state: ClientState,
    display_name: str | None = None,
    locale: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Flow[SessionPayload]:
    """Create an anonymous user and sign in as it."""
    body = _body(displayName=display_name, locale=locale, metadata=metadata)
    response = yield from send(RequestSpec("POST", "/signin/anonymous", json=body))
    return _keep(state, parse_model(response, SessionPayload))


def sign_in_passwordless_email(state: ClientState, email: str, options: Options = None) -> Flow[None]:
    """Send a magic link to `email`."""
    body = _body(email=email, options=_options(options))
    _ok((yield from send(RequestSpec("POST", "/signin/passwordless/email", json=body))))


def sign_in_otp_email(state: ClientState, email: str, options: Options = None) -> Flow[None]:
    """Send a one-time code to `email`."""
    body = _body(email=email, options=_options(options))
    _ok((yield from send(RequestSpec("POST", "/signin/otp/email", json=body))))


def verify_sign_in_otp_email(state: ClientState, email: str, otp: str) -> Flow[SessionPayload]:
    """Sign in with the one-time code sent by `sign_in_otp_email`."""
    body = {"email": email, "otp": otp}
    response = yield from send(RequestSpec("POST", "/signin/otp/email/verify", json=body))
    return _keep(state, parse_model(response, SessionPayload))


# -- session
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
    body = _body(refreshToken=token, all=all or None)
    _ok((yield from send(RequestSpec("POST", "/signout", json=body, auth=all))))
    if refresh_token is None or (stored is not None and stored.refresh_token == refresh_token):
        state.forget()


def verify_token(state: ClientState, token: str | None = None) -> Flow[bool]:
    """Ask the server whether an access token (default: the session's) is valid."""
    spec = RequestSpec("POST", "/token/verify", json={"token": token}) if token else RequestSpec(
        "POST", "/token/verify", json={}, auth=True
    )
    try:
        _ok((yield from send(spec)))
    except (InvalidToken, Unauthenticated):
        return False
    return True


# -- user
def get_user(state: ClientState) -> Flow[User]:
    """The signed-in user's profile."""
    response = yield from send(RequestSpec("GET", "/user", auth=True))
    return parse_model(response, User)


def send_verification_email(state: ClientState, email: str, redirect_to: str | None = None) -> Flow[None]:
    """(Re)send the email-verification link."""
    body = _body(email=email, options=_body(redirectTo=redirect_to) or None)
    _ok((yield from send(RequestSpec("POST", "/user/email/send-verification-email", json=body))))


def send_password_reset_email(state: ClientState, email: str, redirect_to: str | None = None) -> Flow[None]:
    """Email a password-reset link."""
    body = _body(email=email, options=_body(redirectTo=redirect_to) or None)
    _ok((yield from send(RequestSpec("POST", "/user/password/reset", json=body))))


def change_user_password(state: ClientState, new_password: str, ticket: str | None = None) -> Flow[None]:
    """Set a new password (signed in, or with a reset ticket). The server ends every session."""
    body = _body(newPassword=new_password, ticket=ticket)
    _ok((yield from send(RequestSpec("POST", "/user/password", json=body, auth=ticket is None))))
    if ticket is None:
        state.forget()


def change_user_email(state: ClientState, new_email: str, redirect_to: str | None = None) -> Flow[None]:
    """Start an email change; the server mails a confirmation link to the new address."""
    body = _body(newEmail=new_email, options=_body(redirectTo=redirect_to) or None)
    _ok((yield from send(RequestSpec("POST", "/user/email/change", json=body, auth=True))))


def verify_ticket(
    state: ClientState, ticket: str, redirect_to: str | None = None, type: str | None = None
) -> Flow[str]:
    """Redeem an emailed ticket (`/verify`) and return where the server redirects to."""
    params = _body(ticket=ticket, type=type, redirectTo=redirect_to)
    response = yield from send(RequestSpec("GET", "/verify", params=params, accept_redirect=True))
    location = response.headers.get("location")
    if not location:
        raise UnexpectedResponse(response.status_code, "/verify answered without a redirect location")
    return location


def redirect_params(location: str) -> dict[str, str]:
    """Query and fragment parameters of a `/verify` redirect (refreshToken, error, ...)."""
    parts = urlsplit(location)
    merged = {**parse_qs(parts.query), **parse_qs(parts.fragment)}
    return {key: values[0] for key, values in merged.items() if values}


# -- MFA
def change_user_mfa(state: ClientState) -> Flow[TotpSetup]:
    """Generate a TOTP secret (and QR image) to set up an authenticator app."""
    response = yield from send(RequestSpec("GET", "/mfa/totp/generate", auth=True))
    return parse_model(response, TotpSetup)


def verify_change_user_mfa(state: ClientState, code: str, active_mfa_type: str = "totp") -> Flow[None]:
    """Activate TOTP with a code from the app, or deactivate MFA with `active_mfa_type=""`."""
    body = {"code": code, "activeMfaType": active_mfa_type}
    _ok((yield from send(RequestSpec("POST", "/user/mfa", json=body, auth=True))))


# -- personal access tokens
def create_pat(
    state: ClientState, expires_at: datetime, metadata: dict[str, Any] | None = None
) -> Flow[PersonalAccessToken]:
    """Create a personal access token for scripts and CI."""
    body = _body(expiresAt=expires_at.isoformat(), metadata=metadata)
    response = yield from send(RequestSpec("POST", "/pat", json=body, auth=True))
    return parse_model(response, PersonalAccessToken)


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
    _ok((yield from send(RequestSpec("GET", "/healthz"))))
    return True
