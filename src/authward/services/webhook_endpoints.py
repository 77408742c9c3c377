"""Managing webhook endpoints and reading their deliveries (for `authward webhooks`).

An endpoint is a URL, the events it wants (names, or "*") and a `whsec_` signing secret, generated unless
given, shown once, stored encrypted with the server's key (the signer needs it back, so it cannot be hashed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from authward.delivery.webhook_signing import new_secret, valid_secret
from authward.delivery.webhooks import ALL_EVENTS, secret_purpose
from authward.errors import AuthError, ErrorCode
from authward.security.secretbox import SecretBox
from authward.storage.db import Database
from authward.storage.models import WebhookDelivery, WebhookEndpoint
from authward.storage.repos import webhooks as webhooks_repo


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _checked_url(url: str) -> str:
    if not url.startswith(("http://", "https://")) or len(url) > 2048:
        raise AuthError(ErrorCode.INVALID_REQUEST, "the endpoint URL must be an http(s) URL")
    return url


def _checked_events(events: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(event.strip() for event in events if event.strip()))
    if not cleaned:
        return [ALL_EVENTS]
    if any(len(event) > 64 or " " in event for event in cleaned):
        raise AuthError(ErrorCode.INVALID_REQUEST, "event names are short words like user.signed_in, or *")
    return cleaned


async def add_endpoint(
    db: Database, box: SecretBox, url: str, events: list[str], now: datetime, *, secret: str | None = None,
    description: str = "",
) -> NewEndpoint:
    if secret is not None and not valid_secret(secret):
        raise AuthError(ErrorCode.INVALID_REQUEST, "the secret must be whsec_ followed by 24 to 64 bytes of base64")
    secret = secret or new_secret()
    endpoint_id = uuid.uuid4()
    endpoint = WebhookEndpoint(
        id=endpoint_id, url=_checked_url(url), events=_checked_events(events), description=description[:255],
        secret_encrypted=box.encrypt(secret.encode(), secret_purpose(endpoint_id)), created_at=now,
    )
    async with db.write() as session:
        await webhooks_repo.add_endpoint(session, endpoint)
    return NewEndpoint(endpoint, secret)


async def list_endpoints(db: Database) -> list[WebhookEndpoint]:
    async with db.read() as session:
        return await webhooks_repo.endpoints(session)


async def remove_endpoint(db: Database, endpoint_id: uuid.UUID) -> bool:
    """Its pending deliveries go with it."""
    async with db.write() as session:
        return await webhooks_repo.remove_endpoint(session, endpoint_id)


async def recent_deliveries(
    db: Database, limit: int, status: str | None = None
) -> list[tuple[WebhookDelivery, str]]:
    async with db.read() as session:
        return await webhooks_repo.recent_deliveries(session, limit, status)


async def retry_delivery(db: Database, delivery_id: uuid.UUID, now: datetime) -> bool:
    """A failed delivery is due again now, with a fresh set of attempts (the server's worker sends it)."""
    async with db.write() as session:
        return await webhooks_repo.requeue(session, delivery_id, now)
