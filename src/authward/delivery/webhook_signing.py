"""Standard Webhooks (standardwebhooks.com): `whsec_` secrets and the three headers each attempt carries.

`webhook-signature` is `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, made by the `standardwebhooks`
package, so receivers verify with any Standard Webhooks library (or ten lines of HMAC).
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def valid_secret(secret: str) -> bool:
    """A `whsec_` secret of base64, 24 to 64 bytes (what Standard Webhooks asks senders to accept)."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        raw = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except ValueError:
        return False
    return 24 <= len(raw) <= 64


def signed_headers(secret: str, message_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, timestamp, body),
    }
