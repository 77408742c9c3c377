"""Auth0's grants at /oauth/token, answered by the sign-in methods' services (each allowed per client).

`password` and `password-realm` (the realm names the database connection), `passwordless/otp` (realm
`email` or `sms`), and `mfa-otp` / `mfa-recovery-code`, which complete the `mfa_token` a grant answered
with `mfa_required` (403) when the user has a second factor. The tokens are the client's (ClientGrant),
through the one sign-in completion; the errors are Auth0's (403 `invalid_grant` for wrong credentials).
"""

from __future__ import annotations

from typing import Any

from authward.errors import AuthError, ErrorCode, OAuthError
from authward.methods.email_otp.service import EmailOtpService
from authward.methods.password.service import PasswordService
from authward.methods.sms_otp.service import SmsOtpService
from authward.methods.totp.service import TotpService
from authward.services.claims import ClientGrant
from authward.services.oauth.clients import MFA_OTP, MFA_RECOVERY_CODE, PASSWORD, PASSWORD_REALM, PASSWORDLESS_OTP
from authward.services.oauth.grants import GrantRequest, TokenEndpoint, scopes_of
from authward.services.runtime import Runtime
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge
from authward.settings import Settings

WRONG_CREDENTIALS = {ErrorCode.INVALID_EMAIL_PASSWORD: "Wrong email or password.",
                     ErrorCode.INVALID_OTP: "Wrong email or verification code.",
                     ErrorCode.OTP_TOO_MANY_ATTEMPTS: "Too many wrong codes; ask for a new one.",
                     ErrorCode.INVALID_TOTP: "Invalid otp_code.",
                     ErrorCode.INVALID_TICKET: "Malformed or expired mfa_token.",
                     ErrorCode.DISABLED_USER: "user is blocked",
                     ErrorCode.UNVERIFIED_USER: "Please verify your email before logging in.",
                     ErrorCode.DISABLED_MFA_TOTP: "The user has no OTP authenticator.",
                     ErrorCode.FORBIDDEN_ANONYMOUS: "Anonymous users cannot sign in this way."}


def as_oauth_error(exc: AuthError) -> OAuthError:
    """A sign-in refusal in Auth0's words: credentials and accounts are `invalid_grant` (403)."""
    description = WRONG_CREDENTIALS.get(exc.code)
    if description is not None:
        return OAuthError("invalid_grant", description, 403)
    if exc.code is ErrorCode.DISABLED_ENDPOINT:
        return OAuthError("unauthorized_client", "This connection is disabled on this server", 403)
    if exc.code is ErrorCode.TOO_MANY_REQUESTS:
        return OAuthError("too_many_attempts", exc.message, 429)
    return OAuthError("invalid_request", exc.message, 400)


def mfa_required(challenge: MfaChallenge) -> OAuthError:
    return OAuthError("mfa_required", "Multifactor authentication required", 403, extra={"mfa_token": challenge.ticket})


class Auth0Grants:
    """The handlers, bound to the services they call."""

    def __init__(self, tokens: TokenEndpoint, passwords: PasswordService, email_otp: EmailOtpService,
                 sms_otp: SmsOtpService, totp: TotpService, settings: Settings) -> None:
        self._tokens = tokens
        self._passwords = passwords
        self._email_otp = email_otp
        self._sms_otp = sms_otp
        self._totp = totp
        self._settings = settings

    def register(self) -> None:
        grants = self._tokens.grants
        grants[PASSWORD] = self.password
        grants[PASSWORD_REALM] = self.password_realm
        grants[PASSWORDLESS_OTP] = self.passwordless_otp
        grants[MFA_OTP] = self.mfa_otp
        grants[MFA_RECOVERY_CODE] = self.mfa_recovery_code

    def client_grant(self, ask: GrantRequest) -> ClientGrant:
        """Scopes (default: `openid`) and the API (`audience`) the client may ask for."""
        client = ask.client
        scopes = scopes_of(ask.form.get("scope")) or [s for s in ("openid",) if s in client.scopes]
        refused = [scope for scope in scopes if scope not in client.scopes]
        if refused:
            raise OAuthError("invalid_scope", f"Scope not allowed for this client: {' '.join(refused)}")
        audience = ask.form.get("audience")
        if audience and audience not in (client.audiences or []):
            raise OAuthError("access_denied", f"This client may not get tokens for {audience}", 403)
        return self._tokens.client_grant(client, tuple(scopes), (audience,) if audience else ())

    def answer(self, outcome: IssuedSession | MfaChallenge, ask: GrantRequest) -> dict[str, Any]:
        if isinstance(outcome, MfaChallenge):
            raise mfa_required(outcome)
        return self._tokens.user_tokens(outcome, ask.client, nonce=None)

    async def password(self, ask: GrantRequest) -> dict[str, Any]:
        username, password = ask.form.get("username"), ask.form.get("password")
        if not username or not password:
            raise OAuthError("invalid_request", "username and password are required")
        realm = ask.form.get("realm")
        if realm is not None and realm != self._settings.auth0.database_connection:
            raise OAuthError("invalid_request", f"Unknown realm (connection) {realm}")
        try:
            outcome = await self._passwords.sign_in(username, password, ask.user_agent, client=self.client_grant(ask))
        except AuthError as exc:
            raise as_oauth_error(exc) from None
        return self.answer(outcome, ask)

    async def password_realm(self, ask: GrantRequest) -> dict[str, Any]:
        if not ask.form.get("realm"):
            raise OAuthError("invalid_request", "realm is required (the database connection's name)")
        return await self.password(ask)

    async def passwordless_otp(self, ask: GrantRequest) -> dict[str, Any]:
        username, otp, realm = ask.form.get("username"), ask.form.get("otp"), ask.form.get("realm")
        if not username or not otp:
            raise OAuthError("invalid_request", "username and otp are required")
        grant = self.client_grant(ask)
        try:
            if realm == "email":
                outcome = await self._email_otp.verify(username, otp, ask.user_agent, client=grant)
            elif realm == "sms":
                outcome = await self._sms_otp.verify(username, otp, ask.user_agent, client=grant)
            else:
                raise OAuthError("invalid_request", "realm must be email or sms")
        except AuthError as exc:
            raise as_oauth_error(exc) from None
        return self.answer(outcome, ask)

    async def mfa_otp(self, ask: GrantRequest) -> dict[str, Any]:
        return await self._second_factor(ask, ask.form.get("otp"), "otp")

    async def mfa_recovery_code(self, ask: GrantRequest) -> dict[str, Any]:
        return await self._second_factor(ask, ask.form.get("recovery_code"), "recovery_code")

    async def _second_factor(self, ask: GrantRequest, code: str | None, field: str) -> dict[str, Any]:
        ticket = ask.form.get("mfa_token")
        if not ticket or not code:
            raise OAuthError("invalid_request", f"mfa_token and {field} are required")
        try:
            issued = await self._totp.complete_sign_in(ticket, code, ask.user_agent, client_id=ask.client.client_id)
        except AuthError as exc:
            raise as_oauth_error(exc) from None
        return self._tokens.user_tokens(issued, ask.client, nonce=None)


def register_grants(runtime: Runtime) -> None:
    """The Auth0 face's `wire`: its grants join the token endpoint's table."""
    grants = Auth0Grants(runtime.get(TokenEndpoint), runtime.get(PasswordService), runtime.get(EmailOtpService),
                         runtime.get(SmsOtpService), runtime.get(TotpService), runtime.core.settings)
    grants.register()
    runtime.services[Auth0Grants] = grants  # the legacy /oauth/ro answers through the same handlers
