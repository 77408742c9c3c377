"""Recovery code values: generation, normalisation, and the keyed hash that is stored.

A code is 16 symbols from a 31-letter alphabet without look-alikes (~79 bits), shown as four
groups. Only HMAC-SHA256(server key, user id + code) is stored: without AUTHWARD_SECRET_KEY a
stolen database cannot be searched offline, and online guessing is limited by the per-user
failure counter of the TOTP credential.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 16
GROUP_LENGTH = 4
CODES_PER_SET = 10
_ALLOWED = frozenset(ALPHABET)


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise(code: str) -> str | None:
    """Lower case without spaces and dashes; None when it cannot be a recovery code."""
    cleaned = "".join(ch for ch in code.lower() if ch not in " -\t")
    if len(cleaned) != CODE_LENGTH or not set(cleaned) <= _ALLOWED:
        return None
    return cleaned


def digest(key: bytes, user_id: uuid.UUID, normalised: str) -> str:
    return hmac.new(key, f"{user_id}:{normalised}".encode(), hashlib.sha256).hexdigest()
