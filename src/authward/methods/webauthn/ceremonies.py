"""The ceremonies a challenge is issued for, and what the sign-up and add-a-key ceremonies answer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from authward.services.sessions import IssuedSession
from authward.storage.models import User


class Ceremony(StrEnum):
    """What a challenge was issued for; a response is accepted only by the verify route of its ceremony."""

    SIGN_UP = "registration"
    SIGN_IN = "authentication"
    ADD_KEY = "add"
    ELEVATE = "elevate"
    MFA = "mfa"  # the second factor of a pending sign-in (its `mfaTotp:` ticket), instead of a TOTP code


@dataclass(frozen=True)
class SignUpResult:
    user: User
    session: IssuedSession | None  # None while the address awaits verification


@dataclass(frozen=True)
class AddedKey:
    id: uuid.UUID
    nickname: str | None
