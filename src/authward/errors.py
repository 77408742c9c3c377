"""The error catalogue: public API. Codes are the Nhost spec's and are never renamed."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    DEFAULT_ROLE_MUST_BE_IN_ALLOWED_ROLES = "default-role-must-be-in-allowed-roles"
    DISABLED_ENDPOINT = "disabled-endpoint"
    DISABLED_USER = "disabled-user"
    EMAIL_ALREADY_IN_USE = "email-already-in-use"
    USER_ALREADY_EXISTS = "user-already-exists"
    EMAIL_ALREADY_VERIFIED = "email-already-verified"
    FORBIDDEN_ANONYMOUS = "forbidden-anonymous"
    INTERNAL_SERVER_ERROR = "internal-server-error"
    INVALID_EMAIL_PASSWORD = "invalid-email-password"
    INVALID_REQUEST = "invalid-request"
    LOCALE_NOT_ALLOWED = "locale-not-allowed"
    PASSWORD_TOO_SHORT = "password-too-short"
    PASSWORD_IN_HIBP_DATABASE = "password-in-hibp-database"
    REDIRECT_TO_NOT_ALLOWED = "redirectTo-not-allowed"
    ROLE_NOT_ALLOWED = "role-not-allowed"
    SIGNUP_DISABLED = "signup-disabled"
    UNVERIFIED_USER = "unverified-user"
    USER_NOT_ANONYMOUS = "user-not-anonymous"
    INVALID_PAT = "invalid-pat"
    INVALID_REFRESH_TOKEN = "invalid-refresh-token"
    INVALID_TICKET = "invalid-ticket"
    DISABLED_MFA_TOTP = "disabled-mfa-totp"
    NO_TOTP_SECRET = "no-totp-secret"
    INVALID_TOTP = "invalid-totp"
    MFA_TYPE_NOT_FOUND = "mfa-type-not-found"
    TOTP_ALREADY_ACTIVE = "totp-already-active"
    INVALID_STATE = "invalid-state"
    OAUTH_TOKEN_EXCHANGE_FAILED = "oauth-token-echange-failed"  # sic, as the spec spells it
    OAUTH_PROFILE_FETCH_FAILED = "oauth-profile-fetch-failed"
    OAUTH_PROVIDER_ERROR = "oauth-provider-error"
    INVALID_OTP = "invalid-otp"
    OTP_TOO_MANY_ATTEMPTS = "otp-too-many-attempts"
    CANNOT_SEND_SMS = "cannot-send-sms"
    PROVIDER_ACCOUNT_ALREADY_LINKED = "provider-account-already-linked"
    # beyond the spec's enum
    UNAUTHENTICATED = "unauthenticated-user"
    ELEVATION_REQUIRED = "elevated-claim-required"
    PAYLOAD_TOO_LARGE = "payload-too-large"
    TOO_MANY_REQUESTS = "too-many-requests"
    NOT_FOUND = "not-found"  # a route that exists, asked for a thing that does not
    ROUTE_NOT_FOUND = "route-not-found"  # no such route on this server
    METHOD_NOT_ALLOWED = "method-not-allowed"
    FORBIDDEN = "forbidden"  # authenticated, but not allowed this (an admin route without the admin role)
    INVALID_CAPTCHA = "invalid-captcha"  # a captcha token missing or refused by the provider (authward's)


_CATALOGUE: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.DEFAULT_ROLE_MUST_BE_IN_ALLOWED_ROLES: (400, "Default role must be in allowed roles"),
    ErrorCode.DISABLED_ENDPOINT: (409, "This endpoint is disabled"),
    ErrorCode.DISABLED_USER: (401, "User is disabled"),
    ErrorCode.EMAIL_ALREADY_IN_USE: (409, "Email already in use"),
    ErrorCode.USER_ALREADY_EXISTS: (409, "User already exists"),
    ErrorCode.EMAIL_ALREADY_VERIFIED: (400, "User's email is already verified"),
    ErrorCode.FORBIDDEN_ANONYMOUS: (403, "Forbidden, user is anonymous."),
    ErrorCode.INTERNAL_SERVER_ERROR: (500, "Internal server error"),
    ErrorCode.INVALID_EMAIL_PASSWORD: (401, "Incorrect email or password"),
    ErrorCode.INVALID_REQUEST: (400, "The request payload is incorrect"),
    ErrorCode.LOCALE_NOT_ALLOWED: (400, "Locale not allowed"),
    ErrorCode.PASSWORD_TOO_SHORT: (400, "Password is too short"),
    ErrorCode.PASSWORD_IN_HIBP_DATABASE: (400, "Password is in HIBP database"),
    ErrorCode.REDIRECT_TO_NOT_ALLOWED: (400, 'The value of "options.redirectTo" is not allowed.'),
    ErrorCode.ROLE_NOT_ALLOWED: (400, "Role not allowed"),
    ErrorCode.SIGNUP_DISABLED: (403, "Sign up is disabled."),
    ErrorCode.UNVERIFIED_USER: (401, "User is not verified."),
    ErrorCode.USER_NOT_ANONYMOUS: (400, "Logged in user is not anonymous"),
    ErrorCode.INVALID_PAT: (401, "Invalid or expired personal access token"),
    ErrorCode.INVALID_REFRESH_TOKEN: (401, "Invalid or expired refresh token"),
    ErrorCode.INVALID_TICKET: (401, "Invalid ticket"),
    ErrorCode.DISABLED_MFA_TOTP: (401, "User does not have TOTP MFA enabled"),
    ErrorCode.NO_TOTP_SECRET: (400, "User does not have a TOTP secret"),
    ErrorCode.INVALID_TOTP: (401, "Invalid TOTP code"),
    ErrorCode.MFA_TYPE_NOT_FOUND: (400, "MFA type not found"),
    ErrorCode.TOTP_ALREADY_ACTIVE: (400, "TOTP MFA is already active"),
    ErrorCode.INVALID_STATE: (400, "Invalid state"),
    ErrorCode.OAUTH_TOKEN_EXCHANGE_FAILED: (400, "Failed to exchange token"),
    ErrorCode.OAUTH_PROFILE_FETCH_FAILED: (400, "Failed to get user profile"),
    ErrorCode.OAUTH_PROVIDER_ERROR: (400, "Provider returned an error"),
    ErrorCode.INVALID_OTP: (400, "Invalid or expired OTP"),
    ErrorCode.OTP_TOO_MANY_ATTEMPTS: (400, "Too many incorrect attempts, please request a new OTP"),
    ErrorCode.CANNOT_SEND_SMS: (400, "Cannot send SMS, check your phone number is correct"),
    ErrorCode.PROVIDER_ACCOUNT_ALREADY_LINKED: (400, "This provider account is already linked to a user"),
    ErrorCode.UNAUTHENTICATED: (401, "Authentication required: a valid bearer access token is missing"),
    ErrorCode.ELEVATION_REQUIRED: (401, "This action requires an elevated session; authenticate again"),
    ErrorCode.PAYLOAD_TOO_LARGE: (413, "The request body is too large"),
    ErrorCode.TOO_MANY_REQUESTS: (429, "Too many requests, try again later"),
    ErrorCode.NOT_FOUND: (404, "Not found"),
    ErrorCode.ROUTE_NOT_FOUND: (404, "No such route on this server"),
    ErrorCode.METHOD_NOT_ALLOWED: (405, "Method not allowed"),
    ErrorCode.FORBIDDEN: (403, "Forbidden"),
    ErrorCode.INVALID_CAPTCHA: (400, "The captcha was not solved; try again"),
}


class AuthError(Exception):
    """An expected failure with a catalogued code; the HTTP faces shape it for the wire."""

    def __init__(self, code: ErrorCode, message: str | None = None, status: int | None = None) -> None:
        default_status, default_message = _CATALOGUE[code]
        self.code = code
        self.status = status or default_status
        self.message = message or default_message
        super().__init__(f"{code}: {self.message}")


def status_of(code: ErrorCode) -> int:
    return _CATALOGUE[code][0]


class OAuthError(Exception):
    """An RFC 6749 error (`{"error", "error_description"}`), raised by the OAuth face and its services.

    `error` is one of RFC 6749 §5.2 / §4.1.2.1, RFC 6750 §3.1, RFC 7009 and RFC 8693 codes
    (`invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`,
    `invalid_scope`, `access_denied`, `login_required`, `consent_required`, `invalid_token`, ...).
    """

    def __init__(self, error: str, description: str = "", status: int = 400,
                 headers: dict[str, str] | None = None, extra: dict[str, str] | None = None) -> None:
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}
        self.extra = extra or {}  # more members of the body (Auth0's `mfa_token` with `mfa_required`)
        super().__init__(f"{error}: {description}")
