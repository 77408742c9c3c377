"""Six-digit codes, stored as a keyed HMAC: a stolen database does not let anyone try them offline."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


class CodeHasher:
    """HMAC-SHA256 bound to the ticket and its recipient (phone number or email), so a code is only
    good for its own ticket. Used by SMS and email one-time codes."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, ticket_id: uuid.UUID, recipient: str, code: str) -> str:
        message = f"{ticket_id}|{recipient}|{code}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def matches(self, ticket_id: uuid.UUID, recipient: str, code: str, expected: str) -> bool:
        return hmac.compare_digest(self.digest(ticket_id, recipient, code), expected)
