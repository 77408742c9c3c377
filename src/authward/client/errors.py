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
    ├── InvalidToken                a JWT failed verification (server 401, or TokenVerifier)
    ├── Unauthenticated             unauthenticated-user, elevated-claim-required, ...
    ├── MfaError                    invalid-totp, totp-already-active, no-totp-secret, ...
    ├── MfaRequired                 (client) sign-in needs a second factor; `.ticket` completes it
    ├── Conflict                    email-already-in-use, user-already-exists
    ├── InvalidRequest              invalid-request, password-too-short, ... (400s)
    ├── NotFound                    not-found on a route the server has (e.g. an unknown PAT id)
    ├── Forbidden                   signup-disabled, disabled-user, forbidden-anonymous, ...
    ├── RateLimited                 too-many-requests (429)
    └── ServerError                 5xx
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "Conflict",
    "Forbidden",
    "InvalidCredentials",
    "InvalidRequest",
    "InvalidToken",
    "MfaError",
    "MfaRequired",
    "NetworkError",
    "NotFound",
    "NotLoggedIn",
    "NotSupportedByServer",
    "RateLimited",
    "ServerError",
    "SessionRevoked",
    "TokenExpired",
    "Unauthenticated",
    "UnexpectedResponse",
    "error_from_response",
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
    "forbidden-anonymous": Forbidden,
    "disabled-endpoint": Forbidden,
    "email-already-in-use": Conflict,
    "user-already-exists": Conflict,
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
