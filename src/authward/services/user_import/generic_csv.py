"""The generic CSV, for any other source: a header row, then one user per row.

Columns (only `email` is required): id (UUID, kept), email, password_hash (bcrypt `$2a$`/`$2b$`/`$2y$`, or
argon2id) or password (plaintext, hashed with argon2id on import: slow, about 20 ms a user), email_verified,
display_name, avatar_url, locale, phone_number, phone_number_verified, roles (a JSON array or comma-separated),
default_role, metadata (a JSON object), disabled, created_at (ISO 8601).
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from authward.services.user_import.records import ImportedUser, Unreadable
from authward.services.user_import.source_values import (
    as_bool,
    as_datetime,
    as_object,
    as_roles,
    as_text,
    as_uuid,
)

COLUMNS = ("id", "email", "password_hash", "password", "email_verified", "display_name", "avatar_url", "locale",
           "phone_number", "phone_number_verified", "roles", "default_role", "metadata", "disabled", "created_at")


def read_user(row: Mapping[str, str | None], where: str) -> ImportedUser:
    if as_text(row.get("password_hash")) and as_text(row.get("password")):
        raise ValueError("give password_hash or password, not both")
    return ImportedUser(
        where=where,
        id=as_uuid(row.get("id")),
        email=as_text(row.get("email")),
        email_verified=as_bool(row.get("email_verified"), "email_verified"),
        phone_number=as_text(row.get("phone_number")),
        phone_number_verified=as_bool(row.get("phone_number_verified"), "phone_number_verified"),
        password_hash=as_text(row.get("password_hash")),
        password=row.get("password") or None,
        display_name=as_text(row.get("display_name")) or "",
        avatar_url=as_text(row.get("avatar_url")) or "",
        locale=as_text(row.get("locale")),
        default_role=as_text(row.get("default_role")),
        roles=as_roles(row.get("roles")),
        metadata=as_object(row.get("metadata"), "metadata"),
        disabled=as_bool(row.get("disabled"), "disabled"),
        created_at=as_datetime(row.get("created_at"), "created_at"),
    )


async def read_generic_csv(path: Path) -> AsyncIterator[ImportedUser | Unreadable]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "email" not in reader.fieldnames:
            yield Unreadable("header", "no `email` column (see the documented columns)")
            return
        unknown = sorted(set(reader.fieldnames) - set(COLUMNS))
        if unknown:
            yield Unreadable("header", f"unknown columns: {', '.join(unknown)}")
            return
        for row in reader:
            where = f"line {reader.line_num}"
            try:
                yield read_user(row, where)
            except ValueError as exc:
                yield Unreadable(where, str(exc))
