"""The admin face's JSON: users in the Nhost shape plus the admin's fields, sessions, keys."""

from __future__ import annotations

from typing import Any

from authward.api.nhost.wire import user_json
from authward.services.admin.users import SessionView
from authward.storage.models import SigningKey, User


def admin_user_json(user: User) -> dict[str, Any]:
    """What GET /user answers for the user, plus `disabled`, `updatedAt`, `lastSeen` (the CLI prints it too)."""
    return {
        **user_json(user), "disabled": user.disabled, "updatedAt": user.updated_at.isoformat(),
        "lastSeen": user.last_seen.isoformat() if user.last_seen else None,
    }


def session_view_json(view: SessionView) -> dict[str, Any]:
    return {
        "id": str(view.id), "userAgent": view.user_agent, "createdAt": view.created_at.isoformat(),
        "lastUsedAt": view.last_used_at.isoformat(), "expiresAt": view.expires_at.isoformat(), "amr": view.amr,
        "clientId": view.client_id,
    }


def signing_key_json(row: SigningKey, signing_kid: str) -> dict[str, Any]:
    return {
        "kid": row.kid, "algorithm": row.algorithm, "createdAt": row.created_at.isoformat(),
        "retiredAt": row.retired_at.isoformat() if row.retired_at else None,
        "expiresAt": row.expires_at.isoformat() if row.expires_at else None, "signing": row.kid == signing_kid,
    }
