"""An Nhost `auth.users` table: a CSV export of it, or read live from its PostgreSQL database.

Columns are Nhost's own (hasura-auth's schema): id, created_at, last_seen, disabled, display_name, avatar_url,
locale, email, phone_number, password_hash (bcrypt), email_verified, phone_number_verified, default_role,
is_anonymous, totp_secret, active_mfa_type, metadata. From PostgreSQL, the roles (`auth.user_roles`) and
provider links (`auth.user_providers`) come along. A CSV of `auth.users` alone has no roles: a `roles` column,
when added, is read (a JSON array or comma-separated); without it a user gets the configured allowed roles,
as on sign-up.

A TOTP secret comes over only when TOTP is the user's active second factor (`active_mfa_type = 'totp'`); a
secret of an enrolment never finished is left behind. Provider access tokens are not carried over (they are
the provider's, short-lived, and stored in clear by Nhost): the links are, so provider sign-in finds the user.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from authward.services.user_import.records import ImportedUser, Unreadable
from authward.services.user_import.source_values import (
    as_bool,
    as_datetime,
    as_object,
    as_roles,
    as_text,
    as_uuid,
)

BATCH = 2000
USERS_QUERY = """
SELECT to_jsonb(u) AS "user",
       COALESCE((SELECT jsonb_agg(r.role ORDER BY r.role) FROM auth.user_roles r WHERE r.user_id = u.id),
                '[]'::jsonb) AS roles,
       COALESCE((SELECT jsonb_agg(jsonb_build_array(p.provider_id, p.provider_user_id) ORDER BY p.provider_id)
                 FROM auth.user_providers p WHERE p.user_id = u.id), '[]'::jsonb) AS providers
FROM auth.users u ORDER BY u.created_at, u.id
"""


def is_connection_string(source: str) -> bool:
    return source.startswith(("postgres://", "postgresql://"))


def read_user(row: Mapping[str, Any], where: str, providers: list[tuple[str, str]] | None = None) -> ImportedUser:
    totp = as_text(row.get("totp_secret")) if as_text(row.get("active_mfa_type")) == "totp" else None
    return ImportedUser(
        where=where,
        id=as_uuid(row.get("id")),
        email=as_text(row.get("email")),
        email_verified=as_bool(row.get("email_verified"), "email_verified"),
        phone_number=as_text(row.get("phone_number")),
        phone_number_verified=as_bool(row.get("phone_number_verified"), "phone_number_verified"),
        password_hash=as_text(row.get("password_hash")),
        display_name=as_text(row.get("display_name")) or "",
        avatar_url=as_text(row.get("avatar_url")) or "",
        locale=as_text(row.get("locale")),
        default_role=as_text(row.get("default_role")),
        roles=as_roles(row.get("roles")),
        metadata=as_object(row.get("metadata"), "metadata"),
        disabled=as_bool(row.get("disabled"), "disabled"),
        is_anonymous=as_bool(row.get("is_anonymous"), "is_anonymous"),
        created_at=as_datetime(row.get("created_at"), "created_at"),
        last_seen=as_datetime(row.get("last_seen"), "last_seen"),
        providers=providers or [],
        totp_secret=totp,
    )


async def read_nhost_csv(path: Path) -> AsyncIterator[ImportedUser | Unreadable]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "id" not in reader.fieldnames:
            yield Unreadable("header", "not a CSV export of auth.users (no `id` column)")
            return
        for row in reader:
            where = f"line {reader.line_num}"
            try:
                yield read_user(row, where)
            except ValueError as exc:
                yield Unreadable(where, str(exc))


async def read_nhost_database(url: str) -> AsyncIterator[ImportedUser | Unreadable]:
    """Every user of the Nhost database at `url`, streamed through a server-side cursor."""
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        async with connection.transaction(readonly=True):
            cursor = connection.cursor(USERS_QUERY, prefetch=BATCH)
            async for record in cursor:
                user = json.loads(record["user"])
                where = f"auth.users {user.get('id')}"
                try:
                    roles = json.loads(record["roles"])
                    providers = [(str(p), str(u)) for p, u in json.loads(record["providers"])]
                    yield read_user({**user, "roles": roles or None}, where, providers)
                except ValueError as exc:
                    yield Unreadable(where, str(exc))
    finally:
        await connection.close()
