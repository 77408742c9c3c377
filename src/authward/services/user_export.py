"""Every user as one JSON object per line (NDJSON): the way out, for backups and other servers.

Field names are those of the generic import CSV (docs/migrating-from-nhost.md): an export reads back with
`authward users import --from csv` after conversion, and maps one to one onto other systems' imports.
Password hashes only when asked for; TOTP secrets, tokens and other credentials never.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from authward.storage.db import Database
from authward.storage.repos import bulk_users


async def export_users(db: Database, *, include_hashes: bool = False) -> AsyncIterator[dict[str, Any]]:
    async for rows in bulk_users.stream_users(db):
        async with db.read() as session:
            links = await bulk_users.links_of(session, [row.id for row in rows])
        for row in rows:
            user: dict[str, Any] = {
                "id": str(row.id),
                "email": row.email,
                "email_verified": row.email_verified,
                "phone_number": row.phone_number,
                "phone_number_verified": row.phone_number_verified,
                "display_name": row.display_name,
                "avatar_url": row.avatar_url,
                "locale": row.locale,
                "default_role": row.default_role,
                "roles": row.roles,
                "metadata": row.metadata,
                "disabled": row.disabled,
                "is_anonymous": row.is_anonymous,
                "active_mfa_type": row.active_mfa_type,
                "created_at": row.created_at.isoformat(),
                "last_seen": row.last_seen.isoformat() if row.last_seen else None,
                "providers": [{"provider": p, "provider_user_id": u} for p, u in links.get(row.id, [])],
            }
            if include_hashes:
                user["password_hash"] = row.password_hash
            yield user
