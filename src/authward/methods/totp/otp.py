"""RFC 6238 codes through pyotp, answering the matched time-step so a code is accepted only once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
from pyotp.exceptions import OTPVerificationError

# 32 base32 characters = 160 bits, the secret size RFC 4226 §4 recommends.
SECRET_LENGTH = 32


@dataclass(frozen=True)
class TotpParameters:
    """What authenticator apps expect by default: SHA-1, 6 digits, 30 s, one step of clock skew."""

    digits: int = 6
    period: int = 30
    algorithm: str = "SHA1"  # SHA1 | SHA256 | SHA512
    skew: int = 1

    def digest(self) -> Any:
        return {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}[self.algorithm]


DEFAULT_PARAMETERS = TotpParameters()


def new_secret() -> str:
    """A base32 secret from the OS CSPRNG (pyotp uses `secrets`)."""
    return pyotp.random_base32(SECRET_LENGTH)


def _totp(secret: str, params: TotpParameters) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=params.digits, digest=params.digest(), interval=params.period)


def code_at(secret: str, when: datetime | float, params: TotpParameters = DEFAULT_PARAMETERS) -> str:
    return _totp(secret, params).at(when)


def looks_like_code(code: str, params: TotpParameters = DEFAULT_PARAMETERS) -> bool:
    """ASCII digits of the right length (str.isdigit alone would take other scripts' digits)."""
    return len(code) == params.digits and code.isascii() and code.isdigit()


def matching_step(
    secret: str, code: str, when: datetime, params: TotpParameters = DEFAULT_PARAMETERS
) -> int | None:
    """The time-step whose code equals `code` within ±skew steps of `when` (constant-time compares)."""
    if not looks_like_code(code, params):
        return None
    try:
        return _totp(secret, params).verify_and_get_timecode(code, for_time=when, valid_window=params.skew)
    except OTPVerificationError:
        return None


def provisioning_uri(
    secret: str, account: str, issuer: str, params: TotpParameters = DEFAULT_PARAMETERS
) -> str:
    """The otpauth:// URI authenticator apps scan (Google's Key URI format)."""
    return _totp(secret, params).provisioning_uri(name=account, issuer_name=issuer)
