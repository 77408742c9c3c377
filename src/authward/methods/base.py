"""What a sign-in method is: its id, whether it is a first or second factor, the amr it adds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Factor(StrEnum):
    FIRST = "first"
    SECOND = "second"


@dataclass(frozen=True)
class MethodInfo:
    id: str
    factor: Factor
    amr: str  # RFC 8176 authentication method reference


PASSWORD = MethodInfo("password", Factor.FIRST, "pwd")
TOTP = MethodInfo("totp", Factor.SECOND, "otp")
RECOVERY_CODE = MethodInfo("recovery_code", Factor.SECOND, "otp")
# Added to `amr` once a second factor completed the authentication (RFC 8176 "mfa").
MFA_AMR = "mfa"
