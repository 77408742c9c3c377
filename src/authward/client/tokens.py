"""Reading (never trusting) a JWT's claims on the client side.

The client needs `exp`/`iat` to schedule refreshes and `sub` for `get_actor_id`; the server
signed them and will verify them. To *verify* a token use `TokenVerifier`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

__all__ = ["looks_like_jwt", "unverified_claims"]


def looks_like_jwt(token: str) -> bool:
    """True for a compact JWS whose header and payload decode as JSON objects."""
    return unverified_claims(token) is not None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of a compact JWS, or None when `token` is not one."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        return None
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or "alg" not in header or not isinstance(payload, dict):
        return None
    return payload


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
