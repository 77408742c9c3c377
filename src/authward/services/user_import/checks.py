"""The checks one imported user must pass, each naming why it failed (`Skip`): address, phone, hash, TOTP secret."""

from __future__ import annotations

import base64
import binascii
import re

import phonenumbers

from authward.errors import AuthError
from authward.security.passwords import BCRYPT_PREFIXES
from authward.services.users import normalise_email

ARGON2ID_PREFIX = "$argon2id$"
BCRYPT_LENGTH = 60


class Skip(Exception):
    """Why one user is not imported."""


# An ASCII dot-atom local part: the case where email_validator's normalised form is the address as given.
_PLAIN_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_MAX_LOCAL_PART = 64
_MAX_ADDRESS = 254


class EmailChecker:
    """`normalise_email`, with each domain checked once: most of its cost is the domain, and a user base has few.

    Only a plain ASCII local part takes the short way (email_validator leaves such a part as it is); any other
    address goes through `normalise_email` whole.
    """

    def __init__(self) -> None:
        self._domains: dict[str, str | None] = {}  # as written -> normalised, or None when invalid

    def __call__(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        local, at, domain = raw.strip().rpartition("@")
        if at and len(raw) <= _MAX_ADDRESS and len(local) <= _MAX_LOCAL_PART and _PLAIN_LOCAL_PART.fullmatch(local):
            if domain not in self._domains:
                self._domains[domain] = self._domain(domain)
            normalised = self._domains[domain]
            if normalised is None:
                raise Skip("invalid email")
            return f"{local.lower()}@{normalised}"
        try:
            return normalise_email(raw)
        except AuthError:
            raise Skip("invalid email") from None

    @staticmethod
    def _domain(domain: str) -> str | None:
        try:
            return normalise_email(f"a@{domain}").partition("@")[2]
        except AuthError:
            return None


def checked_phone(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise Skip("invalid phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise Skip("invalid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def checked_hash(value: str) -> str:
    """bcrypt ($2a$, $2b$, $2y$; upgraded to argon2id at the next sign-in) or argon2id, else the user is skipped."""
    if value.startswith(BCRYPT_PREFIXES) and len(value) == BCRYPT_LENGTH:
        return value
    if value.startswith(ARGON2ID_PREFIX):
        return value
    raise Skip("unsupported password hash")


def valid_base32(secret: str) -> bool:
    cleaned = secret.replace(" ", "").upper()
    try:
        return len(base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))) >= 10
    except (binascii.Error, ValueError):
        return False
