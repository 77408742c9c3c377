"""Phone numbers are validated and stored in E.164, so one number has one spelling."""

from __future__ import annotations

import phonenumbers

from authward.errors import AuthError, ErrorCode


def normalise_phone(raw: str, default_region: str | None = None) -> str:
    """E.164 (`+14155552671`); `default_region` lets users omit the country code."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid phone number: give it with its country code") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
