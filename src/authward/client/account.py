"""Flows for the routes about the signed-in account: profile, email and password, MFA, PATs.

Same pattern as `routes.py`: one flow per route, Nhost names in snake_case; routes marked
(authward) go beyond the Nhost spec.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from authward.client.errors import InvalidRequest, SessionRevoked, UnexpectedResponse
from authward.client.models import (
    MfaStatus,
    PersonalAccessToken,
    PersonalAccessTokenInfo,
    PersonalAccessTokenList,
    RecoveryCodes,
    Session,
    SessionPayload,
    SignUpOptions,
    TotpSetup,
    User,
)
from authward.client.request_spec import Flow, RequestSpec, body, send
from authward.client.responses import parse_model
from authward.client.routes import refresh_session
from authward.client.state import ClientState


def _redirect_option(redirect_to: str | None) -> dict[str, Any] | None:
    return body(redirectTo=redirect_to) or None


def link_params(link_or_ticket: str) -> dict[str, str]:
    """`{ticket, type, redirectTo}` of an emailed `/verify` link, or `{ticket}` for a bare ticket.

    Only the parameters are used: the request goes to this client's server, never to the link's host.
    """
    text = link_or_ticket.strip()
    if "://" not in text:
        return {"ticket": text}
    params = {key: values[0] for key, values in parse_qs(urlsplit(text).query).items() if values}
    if not params.get("ticket"):
        raise InvalidRequest(400, "invalid-request", "This link carries no ticket: give the whole link of the message")
    return params


# -- profile, email, password
def get_user(state: ClientState) -> Flow[User]:
    """The signed-in user's profile."""
    response = yield from send(RequestSpec("GET", "/user", auth=True))
    return parse_model(response, User)


def deanonymize_user(
    state: ClientState,
    email: str,
    password: str | None = None,
    sign_in_method: Literal["email-password", "passwordless"] = "email-password",
    options: SignUpOptions | dict[str, Any] | None = None,
    code_challenge: str | None = None,
) -> Flow[Session | None]:
    """Turn the signed-in anonymous user into a regular one with an email (and password), same id.

    Returns the session refreshed with the user's new roles, or None when the server ended the
    anonymous session until the address is proven (passwordless, or email verification required:
    the mailed link signs in; the stored session is dropped).
    """
    json = body(signInMethod=sign_in_method, email=email, password=password, options=SignUpOptions.wire(options),
                codeChallenge=code_challenge)
    yield from send(RequestSpec("POST", "/user/deanonymize", json=json, auth=True))
    if sign_in_method == "passwordless":
        state.forget()
        return None
    try:  # the refresh also tells whether the server ended the session
        return (yield from refresh_session(state))
    except SessionRevoked:
        state.forget()
        return None


def send_verification_email(
    state: ClientState, email: str, redirect_to: str | None = None, code_challenge: str | None = None
) -> Flow[None]:
    """(Re)send the email-verification link (with `code_challenge`, its redirect carries a PKCE `code`)."""
    json = body(email=email, options=_redirect_option(redirect_to), codeChallenge=code_challenge)
    yield from send(RequestSpec("POST", "/user/email/send-verification-email", json=json))


def send_password_reset_email(
    state: ClientState, email: str, redirect_to: str | None = None, code_challenge: str | None = None
) -> Flow[None]:
    """Email a password-reset link (with `code_challenge`, its redirect carries a PKCE `code`)."""
    json = body(email=email, options=_redirect_option(redirect_to), codeChallenge=code_challenge)
    yield from send(RequestSpec("POST", "/user/password/reset", json=json))


def change_user_password(state: ClientState, new_password: str, ticket: str | None = None) -> Flow[None]:
    """Set a new password, signed in or with the reset ticket (or the whole reset link). The server
    ends every session of the user; signed in, the stored one is dropped."""
    if ticket is not None:
        ticket = link_params(ticket)["ticket"]
    json = body(newPassword=new_password, ticket=ticket)
    yield from send(RequestSpec("POST", "/user/password", json=json, auth=ticket is None))
    if ticket is None:
        state.forget()


def change_user_email(
    state: ClientState, new_email: str, redirect_to: str | None = None, code_challenge: str | None = None
) -> Flow[None]:
    """Start an email change; the server mails a confirmation link to the new address."""
    json = body(newEmail=new_email, options=_redirect_option(redirect_to), codeChallenge=code_challenge)
    yield from send(RequestSpec("POST", "/user/email/change", json=json, auth=True))


# -- phone number
def change_phone_number(state: ClientState, new_phone_number: str) -> Flow[None]:
    """Text a code to a new phone number (a recent or elevated sign-in); the number changes once verified."""
    json = {"newPhoneNumber": new_phone_number}
    yield from send(RequestSpec("POST", "/user/phone-number/change", json=json, auth=True))


def verify_change_phone_number(state: ClientState, new_phone_number: str, otp: str) -> Flow[None]:
    """Finish a phone-number change with the texted code: the number becomes the user's, verified."""
    json = {"newPhoneNumber": new_phone_number, "otp": otp}
    yield from send(RequestSpec("POST", "/user/phone-number/change/verify", json=json, auth=True))


def deanonymize_sms(
    state: ClientState, phone_number: str, options: SignUpOptions | dict[str, Any] | None = None
) -> Flow[None]:
    """Text a code to make the signed-in anonymous user an SMS user (same id); finish with
    `verify_sign_in_passwordless_sms`, which signs the user in. The user stays anonymous until then."""
    json = body(phoneNumber=phone_number, options=SignUpOptions.wire(options))
    yield from send(RequestSpec("POST", "/user/deanonymize/sms", json=json, auth=True))


def verify_ticket(
    state: ClientState, ticket: str, redirect_to: str | None = None, type: str | None = None
) -> Flow[str]:
    """Redeem an emailed ticket at `/verify` and return where the server redirects to.

    `ticket` may be the whole link of the message (its `redirectTo` and `type` are then used);
    a bare ticket needs `redirect_to`, an address the server allows. A server showing a confirm
    page first (AUTHWARD_VERIFY_CONFIRM_PAGE) gets the page's button press.
    """
    params: dict[str, str] = {**link_params(ticket), **body(type=type, redirectTo=redirect_to)}
    if not params.get("redirectTo"):
        raise InvalidRequest(
            400,
            "invalid-request",
            "/verify needs redirectTo: give the whole link of the "
            "message, or redirect_to (an address the server allows)",
        )
    response = yield from send(RequestSpec("GET", "/verify", params=params, accept_redirect=True))
    if not response.is_redirect and "text/html" in response.headers.get("content-type", ""):
        form: dict[str, str] = {key: params[key] for key in ("ticket", "redirectTo", "type") if key in params}
        response = yield from send(RequestSpec("POST", "/verify", form=form, accept_redirect=True))
    location = str(response.headers.get("location", ""))
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
    json = {"code": code, "activeMfaType": active_mfa_type}
    yield from send(RequestSpec("POST", "/user/mfa", json=json, auth=True))


def get_user_mfa(state: ClientState) -> Flow[MfaStatus]:
    """(authward) The user's MFA type and whether this session passed a second factor."""
    response = yield from send(RequestSpec("GET", "/user/mfa", auth=True))
    return parse_model(response, MfaStatus)


def disable_user_mfa(state: ClientState, password: str) -> Flow[SessionPayload]:
    """(authward) Turn MFA off with the account password; the server answers a new session (kept)."""
    response = yield from send(RequestSpec("POST", "/user/mfa/disable", json={"password": password}, auth=True))
    payload = parse_model(response, SessionPayload)
    state.remember_sign_in(payload)
    return payload


def regenerate_recovery_codes(state: ClientState, code: str) -> Flow[list[str]]:
    """(authward) Replace the recovery codes, confirmed with a current TOTP code."""
    response = yield from send(RequestSpec("POST", "/user/mfa/recovery-codes", json={"code": code}, auth=True))
    return parse_model(response, RecoveryCodes).recovery_codes


# -- personal access tokens
def create_pat(
    state: ClientState, expires_at: datetime | timedelta, metadata: dict[str, Any] | None = None
) -> Flow[PersonalAccessToken]:
    """Create a personal access token for scripts and CI; its value is returned this once.

    `expires_at` is a timezone-aware datetime, or a timedelta from now.
    """
    if isinstance(expires_at, timedelta):
        expires_at = datetime.fromtimestamp(state.clock(), UTC) + expires_at
    if expires_at.tzinfo is None:
        raise InvalidRequest(400, "invalid-request", "expires_at needs a timezone (e.g. datetime.now(UTC) + ...)")
    json = body(expiresAt=expires_at.isoformat(), metadata=metadata)
    response = yield from send(RequestSpec("POST", "/pat", json=json, auth=True))
    return parse_model(response, PersonalAccessToken)


def list_pats(state: ClientState) -> Flow[list[PersonalAccessTokenInfo]]:
    """(authward) The user's personal access tokens (without their secrets)."""
    response = yield from send(RequestSpec("GET", "/pat", auth=True))
    return parse_model(response, PersonalAccessTokenList).personal_access_tokens


def revoke_pat(state: ClientState, pat_id: str) -> Flow[None]:
    """(authward) Revoke one of the user's personal access tokens (again: no error).

    Raises `NotFound` for an id that is not one of the user's tokens.
    """
    yield from send(RequestSpec("DELETE", f"/pat/{quote(pat_id, safe='')}", auth=True))
