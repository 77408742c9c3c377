"""The password policy every path that sets a password applies (sign-up, reset, change, deanonymize)."""

from __future__ import annotations

from authward.errors import AuthError, ErrorCode
from authward.settings import Settings


def check_password_policy(settings: Settings, password: str) -> None:
    """Length in code points, never truncated; no composition rules (NIST 800-63B)."""
    if len(password) < settings.passwords.min_length:
        minimum = settings.passwords.min_length
        raise AuthError(ErrorCode.PASSWORD_TOO_SHORT, f"Password is too short: use at least {minimum} characters")
    if len(password) > settings.passwords.max_length:
        raise AuthError(ErrorCode.INVALID_REQUEST, "Password is too long")
