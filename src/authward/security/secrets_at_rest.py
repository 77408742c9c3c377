"""How high-entropy bearer secrets are stored and shaped: refresh tokens, PATs, bearer tickets.

They carry 256 random bits, so a plain SHA-256 is the right storage (no salt or slow hash is
needed against guessing, and lookup by hash stays one indexed equality).
"""

from __future__ import annotations

import hashlib


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def format_token(raw: bytes) -> str:
    """32 bytes as two UUID-shaped hex groups: fits the Nhost spec's (unanchored) UUID pattern."""
    h = raw.hex()
    parts = [h[0:8], h[8:12], h[12:16], h[16:20], h[20:32], h[32:40], h[40:44], h[44:48], h[48:52], h[52:64]]
    return "-".join(parts)
