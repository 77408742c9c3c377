"""An Auth0 user export: NDJSON, one user per line, as the bulk user export job writes it.

Password hashes are not in the export job's file; Auth0 hands them out on request, as a second NDJSON file
with the same users (`passwordHash`, and `_id.$oid` instead of `user_id`). Either file, or one merged, reads
here: `password_hash` / `passwordHash` (bcrypt) or `custom_password_hash` ({"algorithm": "bcrypt", ...}).

Auth0 ids are not UUIDs (`auth0|5f3c...`): the user's id here is the UUID inside it when there is one, else a
UUID derived from it (uuid5), so a second import of the same file finds the same ids and changes nothing.
`app_metadata.roles` (a list of names), when present, become the user's roles; the rest of `app_metadata`
is Auth0's own and is not carried over. `user_metadata` becomes the metadata.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from authward.services.user_import.records import ImportedUser, Unreadable
from authward.services.user_import.source_values import as_bool, as_datetime, as_object, as_roles, as_text

# The namespace of the UUIDs derived from Auth0 user ids (stable: changing it would re-import everyone).
AUTH0_ID_NAMESPACE = uuid.UUID("7b1c4a52-5a1e-4c55-9f0e-2a4f2b0e8d11")
DATABASE_PROVIDER = "auth0"  # the identity of a user of an Auth0 database connection (not a social provider)


def user_id_of(auth0_id: str) -> uuid.UUID:
    """The UUID within `auth0|<uuid>`, else one derived from the whole Auth0 id."""
    _, _, local = auth0_id.partition("|")
    try:
        return uuid.UUID(local or auth0_id)
    except ValueError:
        return uuid.uuid5(AUTH0_ID_NAMESPACE, auth0_id)


def _auth0_id(data: dict[str, Any]) -> str | None:
    if isinstance(data.get("user_id"), str) and data["user_id"]:
        return str(data["user_id"])
    oid = data.get("_id")
    if isinstance(oid, dict) and isinstance(oid.get("$oid"), str):
        return f"auth0|{oid['$oid']}"
    return None


def _password_hash(data: dict[str, Any]) -> str | None:
    for key in ("password_hash", "passwordHash"):
        if isinstance(data.get(key), str) and data[key]:
            return str(data[key])
    custom = data.get("custom_password_hash")
    if isinstance(custom, dict):
        value = custom.get("hash", {}).get("value") if isinstance(custom.get("hash"), dict) else None
        if custom.get("algorithm") == "bcrypt" and isinstance(value, str):
            return value
        raise ValueError(f"custom_password_hash: the {custom.get('algorithm')!r} algorithm is not supported "
                         "(bcrypt is)")
    return None


def _providers(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Social identities (google-oauth2, github...), not the database connection's own."""
    links = []
    for identity in data.get("identities") or []:
        if not isinstance(identity, dict):
            raise ValueError("identities: not a list of objects")
        provider, user_id = identity.get("provider"), identity.get("user_id")
        if provider and provider != DATABASE_PROVIDER and user_id is not None:
            links.append((str(provider), str(user_id)))
    return links


def read_user(data: Any, where: str) -> ImportedUser:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    auth0_id = _auth0_id(data)
    app_metadata = as_object(data.get("app_metadata"), "app_metadata")
    name = as_text(data.get("name")) or ""
    email = as_text(data.get("email"))
    return ImportedUser(
        where=where,
        id=user_id_of(auth0_id) if auth0_id else None,
        email=email,
        email_verified=as_bool(data.get("email_verified"), "email_verified"),
        phone_number=as_text(data.get("phone_number")),
        phone_number_verified=as_bool(data.get("phone_verified"), "phone_verified"),
        password_hash=_password_hash(data),
        display_name=name if name != email else (as_text(data.get("nickname")) or ""),
        avatar_url=as_text(data.get("picture")) or "",
        locale=as_text(data.get("locale")),
        roles=as_roles(app_metadata.get("roles"), "app_metadata.roles"),
        metadata=as_object(data.get("user_metadata"), "user_metadata"),
        disabled=as_bool(data.get("blocked"), "blocked"),
        created_at=as_datetime(data.get("created_at"), "created_at"),
        last_seen=as_datetime(data.get("last_login"), "last_login"),
        providers=_providers(data),
    )


async def read_auth0_export(path: Path) -> AsyncIterator[ImportedUser | Unreadable]:
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                yield read_user(json.loads(line), where)
            except json.JSONDecodeError:
                yield Unreadable(where, "not valid JSON")
            except ValueError as exc:
                yield Unreadable(where, str(exc))
