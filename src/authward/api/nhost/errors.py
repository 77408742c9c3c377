"""The Nhost face's error format: `{"status", "error", "message"}` with the spec's codes.

AUTHWARD_CONCEAL_ERRORS=true is Nhost's AUTH_CONCEAL_ERRORS: the codes that tell an attacker something
about an account (it exists, it is disabled or unverified, a ticket or code was right but used...) are
all answered as the one generic `400 invalid-request` (hasura-auth `controller/errors.go`, `isSensitive`),
on JSON answers and on /verify's redirects alike.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.responses import Response

from authward.errors import AuthError, ErrorCode

# Exactly hasura-auth's sensitive codes, plus `email-already-in-use`: the older name of `user-already-exists`.
SENSITIVE_CODES = frozenset({
    ErrorCode.DISABLED_USER, ErrorCode.USER_ALREADY_EXISTS, ErrorCode.EMAIL_ALREADY_IN_USE,
    ErrorCode.EMAIL_ALREADY_VERIFIED, ErrorCode.FORBIDDEN_ANONYMOUS, ErrorCode.INVALID_EMAIL_PASSWORD,
    ErrorCode.INVALID_PAT, ErrorCode.ROLE_NOT_ALLOWED, ErrorCode.SIGNUP_DISABLED, ErrorCode.UNVERIFIED_USER,
    ErrorCode.INVALID_REFRESH_TOKEN, ErrorCode.INVALID_TICKET, ErrorCode.DISABLED_MFA_TOTP, ErrorCode.INVALID_TOTP,
    ErrorCode.INVALID_OTP, ErrorCode.OTP_TOO_MANY_ATTEMPTS, ErrorCode.NO_TOTP_SECRET,
})


def concealed(err: AuthError) -> AuthError:
    """The generic answer for a sensitive error (its own message too); any other error unchanged."""
    return AuthError(ErrorCode.INVALID_REQUEST) if err.code in SENSITIVE_CODES else err


def render_error(err: AuthError) -> Response:
    body = orjson.dumps({"status": err.status, "error": err.code.value, "message": err.message})
    return Response(body, status_code=err.status, media_type="application/json")


def render_concealed_error(err: AuthError) -> Response:
    return render_error(concealed(err))


def error_renderer(conceal_errors: bool) -> Callable[[AuthError], Response]:
    """The face's renderer for the setting (AUTHWARD_CONCEAL_ERRORS)."""
    return render_concealed_error if conceal_errors else render_error


def error_response(code: ErrorCode, message: str | None = None, status: int | None = None) -> Response:
    return render_error(AuthError(code, message, status))
