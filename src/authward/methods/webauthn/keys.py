"""A registered key as stored: one `credentials` row of type `webauthn` per key.

`identifier` is the credential id (base64url, so (type, identifier) makes credential ids unique across
users); `data` holds the COSE public key, the sign counter and what the authenticator told at
registration. Nothing here is secret: a public key and a counter.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any

from authward.storage.models import Credential

CREDENTIAL_TYPE = "webauthn"
# The `identifier` column holds 512 characters: a credential id of up to 384 bytes (WebAuthn allows 1023;
# authenticators in the field use 16 to ~250). A longer one is refused at registration.
MAX_CREDENTIAL_ID_CHARS = 512
NICKNAME_MAX = 100
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    """Strict base64url (padding optional): ValueError on anything else."""
    if not isinstance(text, str) or any(ch not in _B64URL for ch in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def user_handle(user_id: uuid.UUID) -> bytes:
    """The WebAuthn user handle of a user: its id as text, as Nhost encodes it (so keys move between them)."""
    return str(user_id).encode()


def user_id_of_handle(handle: bytes) -> uuid.UUID | None:
    """The user a handle names: Nhost's 36-character text form, or the 16 raw bytes of the UUID."""
    try:
        if len(handle) == 16:
            return uuid.UUID(bytes=handle)
        return uuid.UUID(handle.decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        return None


@dataclass
class StoredKey:
    public_key: bytes  # COSE_Key, as the authenticator gave it
    sign_count: int = 0
    transports: list[str] = field(default_factory=list)
    nickname: str | None = None
    aaguid: str = ""
    attestation_format: str = "none"
    backed_up: bool = False  # a synced passkey (backup state flag)
    device_type: str = "single_device"

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StoredKey:
        return cls(
            public_key=from_b64url(str(data.get("publicKey", ""))),
            sign_count=int(data.get("signCount", 0)),
            transports=[str(t) for t in data.get("transports") or []],
            nickname=data.get("nickname"),
            aaguid=str(data.get("aaguid", "")),
            attestation_format=str(data.get("fmt", "none")),
            backed_up=bool(data.get("backedUp", False)),
            device_type=str(data.get("deviceType", "single_device")),
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "publicKey": b64url(self.public_key), "signCount": self.sign_count, "transports": self.transports,
            "nickname": self.nickname, "aaguid": self.aaguid, "fmt": self.attestation_format,
            "backedUp": self.backed_up, "deviceType": self.device_type,
        }


def stored_key(credential: Credential) -> StoredKey:
    return StoredKey.from_data(credential.data)


def counter_went_backwards(stored: int, reported: int) -> bool:
    """The sign-counter rule (WebAuthn §6.1.1): once either side is non-zero, the new value must be greater.

    An authenticator that always reports 0 (synced passkeys do) passes; a counter that did not move
    forward means two authenticators share the key: a possible clone.
    """
    return (stored > 0 or reported > 0) and reported <= stored
