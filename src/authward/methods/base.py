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
