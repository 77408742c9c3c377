"""Row builders for the storage contract tests: valid model rows, any column overridable."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from authward.storage.models import (
    Credential,
    OutboxMessage,
    PersonalAccessToken,
    RefreshToken,
    SigningKey,
    User,
)


def token_hash() -> str:
    """A fresh SHA-256 hex digest, the shape of every stored token hash."""
    return hashlib.sha256(uuid.uuid4().bytes).hexdigest()


def new_user(**overrides: Any) -> User:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "created_at": now,
        "updated_at": now,
        "email": f"user-{uuid.uuid4().hex[:12]}@example.com",
        "default_role": "user",
        "roles": ["user", "me"],
    }
    values.update(overrides)
    return User(**values)


def new_refresh_token(user_id: uuid.UUID, **overrides: Any) -> RefreshToken:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "family_id": uuid.uuid4(),
        "user_id": user_id,
        "token_hash": token_hash(),
        "status": "active",
        "created_at": now,
        "expires_at": now + timedelta(days=30),
        "family_expires_at": now + timedelta(days=90),
        "amr": ["pwd"],
        "auth_time": now,
    }
    values.update(overrides)
    return RefreshToken(**values)


def new_credential(user_id: uuid.UUID, type_: str = "totp", **overrides: Any) -> Credential:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "type": type_,
        "created_at": datetime.now(UTC),
    }
    values.update(overrides)
    return Credential(**values)


def new_pat(user_id: uuid.UUID, **overrides: Any) -> PersonalAccessToken:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "token_hash": token_hash(),
        "created_at": now,
        "expires_at": now + timedelta(days=30),
    }
    values.update(overrides)
    return PersonalAccessToken(**values)


def new_signing_key(**overrides: Any) -> SigningKey:
    kid = uuid.uuid4().hex
    values: dict[str, Any] = {
        "kid": kid,
        "algorithm": "RS256",
        "public_jwk": {"kty": "RSA", "kid": kid, "n": "AQAB", "e": "AQAB"},
        "private_key_encrypted": b"\x00\x01encrypted\xff",
        "created_at": datetime.now(UTC),
    }
    values.update(overrides)
    return SigningKey(**values)


def new_message(**overrides: Any) -> OutboxMessage:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "channel": "email",
        "recipient": "someone@example.com",
        "subject": "Your sign-in link",
        "body_text": "https://auth.example.com/verify?ticket=secret",
        "created_at": datetime.now(UTC),
    }
    values.update(overrides)
    return OutboxMessage(**values)
