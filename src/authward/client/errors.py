"""Every failure the SDK raises, as one tree, so callers can catch as broadly or narrowly as they need.

Server errors carry the wire fields (`status`, `error` code, `message`) unchanged; client-side
failures use the same three fields with codes of their own (marked *client* below)::

    AuthError                       status, error, message
    ├── NetworkError                (client) server unreachable, timeout, broken connection
    ├── UnexpectedResponse          (client) a body that is not what the contract promises
    ├── NotSupportedByServer        404 route-not-found / 405: this server version lacks the route
    ├── NotLoggedIn                 (client) no session in storage for this server
    │   └── TokenExpired            (client) the access token expired and cannot be refreshed
    ├── SessionRevoked              invalid-refresh-token: the refresh token is dead; log in again
    ├── InvalidCredentials          invalid-email-password, invalid-pat, invalid-otp, otp-too-many-attempts,
    │                               invalid-ticket (an emailed link or MFA ticket: unknown, used or expired)
    ├── InvalidToken                a JWT failed verification (server 401, TokenVerifier, verify_id_token):
    │                               bad signature, issuer, audience, expiry, nonce, azp
    ├── Unauthenticated             unauthenticated-user, elevated-claim-required, ...
    ├── MfaError                    invalid-totp, totp-already-active, no-totp-secret, ...
    ├── MfaRequired                 (client) sign-in needs a second factor; `.ticket` completes it
    │   └── MfaTokenRequired        403 mfa_required from a grant (also an OAuthError): `.mfa_token` (= `.ticket`)
    │                               completes it (`AuthenticationClient.mfa`); `.mfa_requirements`
    ├── Conflict                    email-already-in-use, user-already-exists; Auth0's user_exists, username_exists
    ├── InvalidRequest              invalid-request, password-too-short, ... (400s); Auth0's invalid_signup,
    │                               invalid_password, password_strength_error, ...
    ├── NotFound                    not-found on a route the server has (e.g. an unknown PAT id)
    ├── Forbidden                   signup-disabled, disabled-user, forbidden-anonymous, ...; Auth0's
    │                               operation_not_allowed (sign-up off)
    ├── OAuthError                  an RFC 6749 / 6750 error of the OAuth endpoints (`client.oauth`, Auth0's
    │   │                           `AuthenticationClient`): `error` is the RFC code, `error_description` the
    │   │                           server's words (also `message`)
    │   ├── InvalidGrant            invalid_grant: a code or refresh token unknown, used, expired, revoked,
    │   │                           or a PKCE code_verifier / redirect_uri that does not match; Auth0's grants
    │   │                           (403): a wrong password or one-time code, an unknown mfa_token
    │   ├── InvalidClient           invalid_client (401): client authentication failed
    │   ├── MfaTokenRequired        (see MfaRequired) mfa_required (403)
    │   ├── InvalidScope            invalid_scope: a scope the client may not have (or a refresh widening it)
    │   ├── UnauthorizedClient      unauthorized_client: the client may not use this grant
    │   ├── AccessDenied            access_denied: the user said no (a callback's `error=`); Auth0's
    │   │                           grants: 401 for bad client credentials, 403 for a refused refresh token
    │   ├── InsufficientScope       insufficient_scope (403): the token lacks a scope (server, or TokenVerifier's
    │   │                           `required_scopes`); `.missing` lists them when known
    │   └── CallbackMismatch        (client) a callback whose `state` or `iss` is not the request's
    ├── RateLimited                 too-many-requests (429; also an OAuth temporarily_unavailable)
    └── ServerError                 5xx
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "AuthError",
    "CallbackMismatch",
    "Conflict",
    "Forbidden",
    "InsufficientScope",
    "InvalidClient",
    "InvalidCredentials",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "InvalidToken",
    "MfaError",
    "MfaRequired",
    "MfaTokenRequired",
    "NetworkError",
    "NotFound",
    "NotLoggedIn",
    "NotSupportedByServer",
    "OAuthError",
    "RateLimited",
    "ServerError",
    "SessionRevoked",
    "TokenExpired",
    "Unauthenticated",
    "UnauthorizedClient",
    "UnexpectedResponse",
    "auth0_error_from_response",
    "error_from_response",
    "oauth_error_from_response",
]


class AuthError(Exception):
    """Base of every SDK failure: the wire error triple, whatever its origin."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} ({self.error})" if self.error else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, error={self.error!r}, message={self.message!r})"

    def to_dict(self) -> dict[str, object]:
        """The Nhost error body shape, for `--json` output and logs."""
        return {"status": self.status, "error": self.error, "message": self.message}


class NetworkError(AuthError):
    def __init__(self, message: str) -> None:
        super().__init__(0, "network-error", message)


class UnexpectedResponse(AuthError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, "unexpected-response", message)


class NotSupportedByServer(AuthError):
    pass


class NotLoggedIn(AuthError):
    def __init__(self, message: str = "Not logged in") -> None:
        super().__init__(401, "not-logged-in", message)


class TokenExpired(NotLoggedIn):
    def __init__(self, message: str = "The access token has expired and there is no refresh token") -> None:
        AuthError.__init__(self, 401, "token-expired", message)


class SessionRevoked(AuthError):
    pass


class InvalidCredentials(AuthError):
    pass


class InvalidToken(AuthError):
    pass


class Unauthenticated(AuthError):
    pass


class MfaError(AuthError):
    pass


class MfaRequired(AuthError):
    """Raised only where a session is the sole acceptable answer (e.g. `authenticate`)."""

    def __init__(self, ticket: str) -> None:
        super().__init__(401, "mfa-required", "Sign-in needs a second factor: complete it with the ticket")
        self.ticket = ticket


class Conflict(AuthError):
    pass


class InvalidRequest(AuthError):
    pass


class NotFound(AuthError):
    """The route exists but the thing asked for does not (`not-found`; a missing route is `route-not-found`)."""


class Forbidden(AuthError):
    pass


class RateLimited(AuthError):
    pass


class ServerError(AuthError):
    pass


class OAuthError(AuthError):
    """An OAuth 2.0 error (RFC 6749 §5.2, RFC 6750 §3.1): `error` is the RFC code (`invalid_grant`, ...)."""

    def __init__(self, status: int, error: str, error_description: str | None = None) -> None:
        super().__init__(status, error, error_description or error)
        self.error_description = error_description

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "error_description": self.error_description}


class InvalidGrant(OAuthError):
    pass


class InvalidClient(OAuthError):
    pass


class InvalidScope(OAuthError):
    pass


class UnauthorizedClient(OAuthError):
    pass


class AccessDenied(OAuthError):
    pass


class InsufficientScope(OAuthError):
    """The token is valid but lacks scopes (HTTP 403); `missing` names them when the SDK knows which."""

    def __init__(
        self, status: int = 403, error: str = "insufficient_scope", error_description: str | None = None,
        missing: tuple[str, ...] = (),
    ) -> None:
        if error_description is None and missing:
            error_description = f"The token lacks the scope(s): {' '.join(missing)}"
        super().__init__(status, error, error_description)
        self.missing = missing


class MfaTokenRequired(OAuthError, MfaRequired):
    """A grant answered 403 `mfa_required` (Auth0): the first factor was right, a second one is due.

    `mfa_token` (also `ticket`, as for Nhost's MfaRequired) completes it, e.g. with
    `AuthenticationClient.mfa.verify_otp(exc.mfa_token, code)`; `mfa_requirements` is what the server
    says the user can answer with, when it says. The token is a credential: it is in neither `str()`,
    `repr()` nor `to_dict()`.
    """

    def __init__(
        self, mfa_token: str, error_description: str | None = None, status: int = 403,
        mfa_requirements: dict[str, object] | None = None,
    ) -> None:
        # Not super().__init__: OAuthError's and MfaRequired's constructors take different arguments.
        AuthError.__init__(self, status, "mfa_required", error_description or "Multifactor authentication required")
        self.error_description = error_description
        self.mfa_token = self.ticket = mfa_token
        self.mfa_requirements = mfa_requirements


class CallbackMismatch(OAuthError):
    """(client) An authorization callback that does not answer this request: its `state` or `iss` differ."""

    def __init__(self, error_description: str) -> None:
        super().__init__(400, "callback_mismatch", error_description)


_BY_CODE: dict[str, type[AuthError]] = {
    "invalid-email-password": InvalidCredentials,
    "invalid-pat": InvalidCredentials,
    "invalid-otp": InvalidCredentials,
    "otp-too-many-attempts": InvalidCredentials,
    "invalid-ticket": InvalidCredentials,
    "invalid-refresh-token": SessionRevoked,
    "invalid-token": InvalidToken,
    "unauthenticated-user": Unauthenticated,
    "elevated-claim-required": Unauthenticated,
    "unverified-user": Forbidden,
    "disabled-user": Forbidden,
    "signup-disabled": Forbidden,
    "operation_not_allowed": Forbidden,  # Auth0's /dbconnections/signup with sign-up off (answered 400)
    "forbidden-anonymous": Forbidden,
    "disabled-endpoint": Forbidden,
    "forbidden": Forbidden,  # an admin route without the admin role
    "email-already-in-use": Conflict,
    "user-already-exists": Conflict,
    "user_exists": Conflict,  # Auth0's /dbconnections/signup (answered 400 by Auth0 itself)
    "username_exists": Conflict,
    "provider-account-already-linked": Conflict,
    "invalid-totp": MfaError,
    "disabled-mfa-totp": MfaError,
    "no-totp-secret": MfaError,
    "mfa-type-not-found": MfaError,
    "totp-already-active": MfaError,
    "route-not-found": NotSupportedByServer,
    "not-found": NotFound,
    "method-not-allowed": NotSupportedByServer,
    "too-many-requests": RateLimited,
}

_BY_STATUS: dict[int, type[AuthError]] = {
    400: InvalidRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotSupportedByServer,
    405: NotSupportedByServer,
    409: Conflict,
    413: InvalidRequest,
    422: InvalidRequest,
    429: RateLimited,
}


def error_from_response(status: int, error: str, message: str, *, route: str = "") -> AuthError:
    """Pick the most specific class for a server error: by code first, then by HTTP status."""
    cls = _BY_CODE.get(error) or _BY_STATUS.get(status) or (ServerError if status >= 500 else AuthError)
    if cls is NotSupportedByServer:
        where = f" ({route})" if route else ""
        message = f"Not supported by this server version: the server has no such route{where}"
    return cls(status, error, message)


_OAUTH_BY_CODE: dict[str, type[OAuthError]] = {
    "invalid_grant": InvalidGrant,
    "invalid_client": InvalidClient,
    "invalid_scope": InvalidScope,
    "unauthorized_client": UnauthorizedClient,
    "access_denied": AccessDenied,
    "insufficient_scope": InsufficientScope,
}


def oauth_error_from_response(status: int, error: str, description: str | None) -> AuthError:
    """The class for an RFC 6749 error answer: by its code; 429 and 5xx stay RateLimited and ServerError."""
    if status == 429:
        return RateLimited(status, error, description or error)
    if status >= 500:
        return ServerError(status, error, description or error)
    return _OAUTH_BY_CODE.get(error, OAuthError)(status, error, description)


def auth0_error_from_response(status: int, code: str, description: str | None, *, route: str = "") -> AuthError:
    """The class for Auth0's `{name, code, description, statusCode}` error shape (`/dbconnections`): OAuth's
    codes (`invalid_client`, ...) in the OAuthError branch, the others as `error_from_response` picks them
    (`user_exists`: Conflict; `invalid_signup`, `invalid_password`, ... by status: InvalidRequest)."""
    if code in _OAUTH_BY_CODE:
        return oauth_error_from_response(status, code, description)
    return error_from_response(status, code, description or code, route=route)
