"""The keys themselves, beyond the spec: list, rename, remove (never the account's last way to sign in)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock
from authward.errors import AuthError, ErrorCode
from authward.methods.webauthn.keys import CREDENTIAL_TYPE, stored_key
from authward.methods.webauthn.sign_in_ways import ways_to_sign_in
from authward.services import audit
from authward.services.users import load_registered_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import Credential
from authward.storage.repos import credentials as credentials_repo
from authward.storage.repos import provider_links as provider_links_repo
from authward.storage.repos import users as users_repo


@dataclass(frozen=True)
class SecurityKey:
    id: uuid.UUID
    credential_id: str
    nickname: str | None
    transports: list[str]
    backed_up: bool
    created_at: datetime
    last_used_at: datetime | None


def security_key(row: Credential) -> SecurityKey:
    key = stored_key(row)
    return SecurityKey(row.id, row.identifier or "", key.nickname, key.transports, key.backed_up, row.created_at,
                       row.last_used_at)



def uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None



class KeyManagement:
    """Mixed into WebAuthnService: the routes /user/webauthn (GET), /user/webauthn/{id} (PATCH, DELETE)."""

    _db: Database
    _settings: Settings
    _clock: Clock

    async def list_keys(self, user_id: str) -> list[SecurityKey]:
        user = await load_registered_user(self._db, user_id)
        async with self._db.read() as session:
            return [security_key(row) for row in await credentials_repo.list_for_user(session, user.id,
                                                                                        CREDENTIAL_TYPE)]

    async def rename_key(self, user_id: str, key_id: str, nickname: str | None) -> SecurityKey:
        user = await load_registered_user(self._db, user_id)
        async with self._db.write() as session:
            row = await self._owned(session, user.id, key_id)
            key = stored_key(row)
            key.nickname = nickname or None
            await credentials_repo.set_data(session, row.id, key.to_data())
            row.data = key.to_data()
            audit.record(session, "webauthn.key_renamed", self._clock(), user.id, key_id=str(row.id))
            return security_key(row)

    async def remove_key(self, user_id: str, key_id: str) -> None:
        """Refused (`invalid-request`) when it is the account's last way to sign in (sign_in_ways.py)."""
        user = await load_registered_user(self._db, user_id)
        async with self._db.write() as session:
            locked = await users_repo.get_for_update(session, user.id)  # two removals must not both pass
            if locked is None:
                raise AuthError(ErrorCode.UNAUTHENTICATED)
            row = await self._owned(session, user.id, key_id)
            others = len(await credentials_repo.list_for_user(session, user.id, CREDENTIAL_TYPE)) - 1
            links = await provider_links_repo.count_of_user(session, user.id)
            if not ways_to_sign_in(locked, self._settings, others, links):
                raise AuthError(ErrorCode.INVALID_REQUEST,
                                "This key is the account's last way to sign in: add a password or another key first")
            await credentials_repo.delete_one(session, row.id)
            audit.record(session, "webauthn.key_removed", self._clock(), user.id, key_id=str(row.id))

    async def _owned(self, session: AsyncSession, user_id: uuid.UUID, key_id: str) -> Credential:
        parsed = uuid_or_none(key_id)
        row = await credentials_repo.get_owned(session, parsed, user_id, CREDENTIAL_TYPE) if parsed else None
        if row is None:
            raise AuthError(ErrorCode.NOT_FOUND, "No such security key")
        return row
