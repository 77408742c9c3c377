"""The user as Auth0 shows it (`/tokeninfo`, and the shape /dbconnections answers with)."""

from __future__ import annotations

from typing import Any

from authward.storage.models import User


def auth0_profile(user: User, connection: str) -> dict[str, Any]:
    metadata = dict(user.user_metadata or {})
    profile: dict[str, Any] = {
        "user_id": str(user.id), "email": user.email, "email_verified": user.email_verified,
        "name": user.display_name or user.email,
        "nickname": metadata.get("nickname") or (user.email or "").split("@")[0],
        "created_at": user.created_at.isoformat(), "updated_at": user.updated_at.isoformat(),
        "identities": [{"provider": "auth0", "user_id": str(user.id), "connection": connection, "isSocial": False}],
    }
    if user.avatar_url:
        profile["picture"] = user.avatar_url
    for key in ("given_name", "family_name"):
        if key in metadata:
            profile[key] = metadata[key]
    if user.phone_number:
        profile["phone_number"] = user.phone_number
    return profile
