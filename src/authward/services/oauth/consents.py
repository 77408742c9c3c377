"""The consents users gave third-party clients: listed on the account page, revocable.

Revoking a consent also ends the sessions that client holds for the user: the next authorization
asks again, and no refresh token of the old grant keeps working.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from authward.clock import Clock, utc_now
from authward.services import audit
from authward.storage.db import Database
from authward.storage.repos import oauth_clients as clients_repo
from authward.storage.repos import refresh_tokens as tokens_repo


@dataclass(frozen=True)
class Consent:
    client_id: str
    client_name: str
    logo_url: str | None
    scopes: list[str]
    given_at: datetime


class ConsentService:
    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def list_for_user(self, user_id: uuid.UUID) -> list[Consent]:
        async with self._db.read() as session:
            rows = await clients_repo.consents_with_clients(session, user_id)
        return [Consent(client.client_id, client.name, client.logo_url, list(consent.scopes), consent.updated_at)
                for consent, client in rows]

    async def revoke(self, user_id: uuid.UUID, client_id: str) -> bool:
        async with self._db.write() as session:
            removed = await clients_repo.delete_consent(session, user_id, client_id)
            for family_id in await tokens_repo.live_families_of_client(session, user_id, client_id):
                await tokens_repo.revoke_family(session, family_id)
            if removed:
                audit.record(session, "oauth.consent_revoked", self._clock(), user_id, client_id=client_id)
            return removed
