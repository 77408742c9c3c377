"""What goes wrong on a hosted page, as texts: a whole error page (`PageError`, or an AuthError that
escaped a route) or a message above a form (an AuthError the route caught)."""

from __future__ import annotations

from authward.api.pages.i18n import Texts
from authward.errors import AuthError, ErrorCode
from authward.settings import Settings


class PageError(Exception):
    """Stop and show an error page: its title and body (text keys) and the HTTP status."""

    def __init__(self, title_key: str, body_key: str, status: int) -> None:
        super().__init__(f"{status}: {title_key}")
        self.title_key = title_key
        self.body_key = body_key
        self.status = status


# Catalogue codes that end a page, as (title, body) texts; any other is the generic error.
_PAGE_ERRORS: dict[ErrorCode, tuple[str, str]] = {
    # `not-found` on a page means the pending authorization request (unknown, used or expired)
    ErrorCode.NOT_FOUND: ("request_expired_title", "request_expired_body"),
    ErrorCode.ROUTE_NOT_FOUND: ("not_found_title", "not_found_body"),
    ErrorCode.TOO_MANY_REQUESTS: ("too_many_title", "too_many_body"),
    ErrorCode.INTERNAL_SERVER_ERROR: ("error_title", "server_error_body"),
    ErrorCode.DISABLED_USER: ("error_title", "disabled_user"),
}

# Catalogue codes a form shows as a message above it; any other is "check what you entered".
_FORM_ERRORS: dict[ErrorCode, str] = {
    ErrorCode.INVALID_EMAIL_PASSWORD: "invalid_credentials",
    ErrorCode.UNVERIFIED_USER: "unverified_user",
    ErrorCode.DISABLED_USER: "disabled_user",
    ErrorCode.EMAIL_ALREADY_IN_USE: "email_in_use",
    ErrorCode.USER_ALREADY_EXISTS: "email_in_use",
    ErrorCode.PASSWORD_TOO_SHORT: "password_too_short",
    ErrorCode.PASSWORD_IN_HIBP_DATABASE: "password_pwned",
    ErrorCode.SIGNUP_DISABLED: "signup_disabled",
    ErrorCode.INVALID_TOTP: "invalid_code",
    ErrorCode.INVALID_OTP: "invalid_code",
    ErrorCode.INVALID_TICKET: "mfa_expired",
    ErrorCode.OTP_TOO_MANY_ATTEMPTS: "mfa_expired",
    ErrorCode.TOO_MANY_REQUESTS: "too_many_body",
    ErrorCode.INVALID_CAPTCHA: "captcha_failed",
}


def page_error_keys(code: ErrorCode) -> tuple[str, str]:
    return _PAGE_ERRORS.get(code, ("error_title", "error_body"))


def form_message(texts: Texts, err: AuthError, settings: Settings) -> str:
    return texts(_FORM_ERRORS.get(err.code, "invalid_input"), min=settings.passwords.min_length)
