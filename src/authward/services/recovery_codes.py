"""Recovery code sets: issued (pending until TOTP is activated), consumed once, replaced whole."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from authward.security.recovery_codes import CODES_PER_SET, digest, new_code, normalise
from authward.storage.models import Credential
from authward.storage.repos import credentials as credentials_repo

CREDENTIAL_TYPE = "recovery_code"


class RecoveryCodes:
    """Runs inside the caller's unit of work; the caller owns the TOTP rules and the commit."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    async def replace(self, session: AsyncSession, user_id: uuid.UUID, now: datetime, *, pending: bool) -> list[str]:
        """A fresh set; the previous one stops working. Plain values are returned once, never stored."""
        await credentials_repo.delete_for_user(session, user_id, [CREDENTIAL_TYPE])
        codes = [new_code() for _ in range(CODES_PER_SET)]
        rows = [
            Credential(
                id=uuid.uuid4(),
                user_id=user_id,
                type=CREDENTIAL_TYPE,
                identifier=digest(self._key, user_id, normalise(code) or ""),
                data={"pending": pending},
                created_at=now,
            )
            for code in codes
        ]
        await credentials_repo.add_all(session, rows)
        return codes

    async def activate(self, session: AsyncSession, user_id: uuid.UUID) -> None:
        await credentials_repo.set_data_for_user(session, user_id, CREDENTIAL_TYPE, {"pending": False})

    async def consume(self, session: AsyncSession, user_id: uuid.UUID, code: str, now: datetime) -> bool:
        """True once per code; unknown, pending, used or malformed codes are all just False."""
        normalised = normalise(code)
        if normalised is None:
            return False
        row = await credentials_repo.find_by_identifier(
            session, user_id, CREDENTIAL_TYPE, digest(self._key, user_id, normalised)
        )
        if row is None or row.data.get("pending", False):
            return False
        return await credentials_repo.mark_used_once(session, row.id, now)

    async def remaining(self, session: AsyncSession, user_id: uuid.UUID) -> int:
        return await credentials_repo.count_unused(session, user_id, CREDENTIAL_TYPE)
