"""Encryption at rest (private signing keys, TOTP secrets, provider tokens) with AES-256-GCM.

The key is derived with HKDF from AUTHWARD_SECRET_KEY; the `purpose` is bound as associated data,
so a ciphertext made for one use cannot be replayed as another.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"


class SecretBox:
    def __init__(self, secret_key: str) -> None:
        if len(secret_key) < 32:
            raise ValueError("AUTHWARD_SECRET_KEY must be at least 32 characters")
        self._root = secret_key.encode()
        self._aead = AESGCM(self.derive(b"authward/secretbox/v1", 32))

    def derive(self, info: bytes, length: int = 32) -> bytes:
        """A subkey for one purpose (encryption, refresh-token HMAC, ...)."""
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(self._root)

    def encrypt(self, plaintext: bytes, purpose: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, purpose.encode())

    def decrypt(self, token: bytes, purpose: str) -> bytes:
        if not token.startswith(_VERSION):
            raise ValueError("unknown ciphertext version")
        nonce, body = token[1:13], token[13:]
        return self._aead.decrypt(nonce, body, purpose.encode())


def load_or_create_secret_key(configured: str | None, data_dir: Path) -> str:
    """The configured secret, else one generated once into the data directory (0600)."""
    if configured:
        return configured
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race
        return path.read_text().strip()
    try:
        os.write(fd, key.encode())
    finally:
        os.close(fd)
    return key
