"""The balena-style surface (login, whoami, get_token, two_factor...), built on the route flows.

These add session bookkeeping and friendlier answers on top of the Nhost routes; they send
nothing the routes do not.
"""

from __future__ import annotations

from authward.client import account, routes
from authward.client.errors import (
    InvalidRequest,
    InvalidToken,
    MfaError,
    MfaRequired,
    NotLoggedIn,
    NotSupportedByServer,
    SessionRevoked,
    Unauthenticated,
    UnexpectedResponse,
    error_from_response,
)
from authward.client.models import MfaChallenge, Session, SignInResponse, User
from authward.client.request_spec import Flow, ensure_fresh
from authward.client.routes import Options
from authward.client.state import ClientState
from authward.client.tokens import looks_like_jwt, unverified_claims

_SIGNED_OUT = (NotLoggedIn, SessionRevoked, Unauthenticated, InvalidToken)


def login_with_token(state: ClientState, token: str) -> Flow[None]:
    """Log in with an access token (a JWT, kept as is) or a personal access token (exchanged)."""
    if looks_like_jwt(token):
        state.remember_access_token(token)
        return
    try:
        payload = yield from routes.sign_in_pat(state, token)
    except NotSupportedByServer as exc:
        raise NotSupportedByServer(
            exc.status, exc.error, "Personal access tokens are not supported by this server version"
        ) from exc
    if payload.session is None:
        raise UnexpectedResponse(200, "/signin/pat answered without a session")


def logout(state: ClientState) -> Flow[None]:
    """Revoke the refresh token on the server (best effort) and always forget the session here."""
    try:
        yield from routes.sign_out(state)
    except _SIGNED_OUT:
        pass  # already dead on the server: nothing left to revoke
    finally:
        state.forget()


def register(state: ClientState, email: str, password: str, options: Options = None) -> Flow[str | None]:
    """Create an account; returns its access token (kept as the session), or None if the email
    must be verified first."""
    payload = yield from routes.sign_up_email_password(state, email, password, options)
    return payload.session.access_token if payload.session else None


def whoami(state: ClientState) -> Flow[User | None]:
    """The signed-in user, or None when there is no usable session."""
    if state.load() is None:
        return None
    try:
        return (yield from account.get_user(state))
    except _SIGNED_OUT:
        return None


def get_actor_id(state: ClientState) -> Flow[str]:
    """The signed-in user's id, read from the (refreshed) access token's `sub`."""
    yield from ensure_fresh()
    subject = (unverified_claims(state.bearer()) or {}).get("sub")
    if isinstance(subject, str) and subject:
        return subject
    return (yield from account.get_user(state)).id


def get_token(state: ClientState) -> Flow[str]:
    """A valid access token, refreshed first if it is about to expire."""
    yield from ensure_fresh()
    return state.bearer()


def is_logged_in(state: ClientState) -> Flow[bool]:
    """True when the server accepts the stored session."""
    return (yield from whoami(state)) is not None


def authenticate(state: ClientState, email: str, password: str) -> Flow[str]:
    """An access token for these credentials, without touching the stored session.

    Raises `MfaRequired` (with the ticket) when the account needs a second factor.
    """
    result = yield from routes.sign_in_email_password(state.detached(), email, password)
    if result.session is not None:
        return result.session.access_token
    if result.mfa is not None:
        raise MfaRequired(result.mfa.ticket)
    raise UnexpectedResponse(200, "/signin/email-password answered with neither a session nor an MFA ticket")


def request_verification_email(state: ClientState, redirect_to: str | None = None) -> Flow[None]:
    """Send the signed-in user a new email-verification link."""
    user = yield from account.get_user(state)
    if not user.email:
        raise InvalidRequest(400, "invalid-request", "The signed-in user has no email address")
    yield from account.send_verification_email(state, user.email, redirect_to)


def follow_link(state: ClientState, link: str, redirect_to: str | None = None) -> Flow[SignInResponse]:
    """(authward) Do what a browser does with an emailed link (verification, magic link, password
    reset, email change) and keep the session it opens here, or its MFA ticket while TOTP is due.

    `link` is the whole link of the message, or its ticket with `redirect_to`. The request goes to
    this client's server whatever host the link names. A bad, used or expired link raises the
    server's error (`invalid-ticket`, ...), which `/verify` reports in its redirect.
    """
    location = yield from account.verify_ticket(state, link, redirect_to)
    params = account.redirect_params(location)
    if "error" in params:  # the server reports a refused link in the redirect, not the status
        raise error_from_response(400, params["error"], params.get("errorDescription") or "The link is not valid")
    if params.get("mfaTicket"):
        result = SignInResponse(mfa=MfaChallenge(ticket=params["mfaTicket"]))
        state.remember_sign_in(result)
        return result
    refresh = params.get("refreshToken")
    if not refresh:
        raise UnexpectedResponse(302, "/verify redirected with neither a refresh token nor an error")
    session = yield from routes.refresh_token(state, refresh)
    state.remember_session(session)
    return SignInResponse(session=session)


def verify_email(state: ClientState, email: str, token: str, redirect_to: str | None = None) -> Flow[str]:
    """Redeem an email-verification link (or its ticket, with `redirect_to`); returns the access
    token of the session it opens, which is kept. With TOTP active, raises `MfaRequired` (the
    ticket is kept: finish with `two_factor.challenge(code)`). `email` is kept for balena
    compatibility: the ticket alone names the user."""
    del email
    result = yield from follow_link(state, token, redirect_to)
    if result.session is None:
        raise MfaRequired(result.mfa.ticket if result.mfa else "")
    return result.session.access_token


# -- two_factor namespace (balena `auth.twoFactor`)
def two_factor_get_setup_key(state: ClientState) -> Flow[str]:
    """A new TOTP secret for the authenticator app (not active until `enable`)."""
    return (yield from account.change_user_mfa(state)).totp_secret


def two_factor_enable(state: ClientState, code: str) -> Flow[None]:
    """Activate TOTP with a code from the app set up with `get_setup_key`."""
    yield from account.verify_change_user_mfa(state, code, "totp")


def two_factor_disable(state: ClientState, password: str) -> Flow[str]:
    """Deactivate MFA with the account password (as balena); returns the new session's access token,
    which is kept. With a TOTP code instead, use `verify_change_user_mfa(code, "")`."""
    payload = yield from account.disable_user_mfa(state, password)
    if payload.session is None:
        raise UnexpectedResponse(200, "/user/mfa/disable answered without a session")
    return payload.session.access_token


def two_factor_verify(state: ClientState, code: str) -> Flow[Session]:
    """Check a code against the pending sign-in and return its session without keeping it."""
    ticket = state.mfa_ticket()
    if not ticket:
        raise MfaError(400, "no-mfa-ticket", "No sign-in is waiting for a second factor: sign in first")
    payload = yield from routes.verify_sign_in_mfa_totp(state.detached(), code, ticket)
    if payload.session is None:
        raise UnexpectedResponse(200, "/signin/mfa/totp answered without a session")
    return payload.session


def two_factor_challenge(state: ClientState, code: str) -> Flow[Session]:
    """Complete the pending sign-in with a code and keep the session."""
    payload = yield from routes.verify_sign_in_mfa_totp(state, code)
    if payload.session is None:
        raise UnexpectedResponse(200, "/signin/mfa/totp answered without a session")
    return payload.session


def two_factor_is_enabled(state: ClientState) -> Flow[bool]:
    """True when the signed-in user has TOTP active."""
    return bool((yield from account.get_user(state)).active_mfa_type)


def two_factor_is_passed(state: ClientState) -> Flow[bool]:
    """True when the session needs no more second factor: MFA is off, or this sign-in passed it.
    False while a sign-in waits for its code, or without a session."""
    stored = state.load()
    if stored is None or stored.access_token is None or stored.mfa_ticket is not None:
        return False
    try:
        status = yield from account.get_user_mfa(state)
    except NotSupportedByServer:
        return True  # a server without `GET /user/mfa` (Nhost) only issues sessions after the challenge
    return not status.active_mfa_type or status.second_factor_passed
