"""Webhooks: audit events queued in the caller's transaction, fanned out to endpoints, delivered and retried.

- Each audit event (`services/audit.py`) writes a `webhook_messages` row (`message_values`) beside its audit row,
  in the same transaction: a rolled-back request sends nothing, a committed event survives a crash.
- `WebhookDispatcher.run_once()` (the server's "webhooks" job, every `AUTHWARD_WEBHOOK_POLL_SECONDS`) fans new
  messages out into one `webhook_deliveries` row per endpoint that wants the event, then attempts the due ones;
  `prune()` ("webhook history", every 10 minutes) drops deliveries finished a week ago.
- An attempt is claimed with a conditional UPDATE that also leases the row (no two workers send it at once; a
  worker that dies mid-attempt leaves it to be retried when the lease ends). A 2xx answer delivers; anything else
  is retried after base, 2x base, 4x base... (`AUTHWARD_WEBHOOK_RETRY_BASE_SECONDS`) until
  `AUTHWARD_WEBHOOK_MAX_ATTEMPTS`, then the delivery is `failed` (`authward webhooks deliveries`, `retry`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from authward import __version__
from authward.clock import Clock, utc_now
from authward.delivery.webhook_signing import signed_headers
from authward.security.secretbox import SecretBox
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import WebhookDelivery, WebhookEndpoint, WebhookMessage
from authward.storage.repos import webhooks as webhooks_repo

log = logging.getLogger("authward.webhooks")

BATCH = 50
KEEP_FINISHED = timedelta(days=7)
LEASE_MARGIN_SECONDS = 5.0
ALL_EVENTS = "*"


def message_values(event: str, now: datetime, user_id: uuid.UUID | None, data: dict[str, Any]) -> dict[str, Any]:
    """The `webhook_messages` row of one event (every column)."""
    payload = {"type": event, "timestamp": now.isoformat().replace("+00:00", "Z"),
               "data": {"user_id": str(user_id) if user_id else None, **data}}
    body = json.dumps(payload, default=str, separators=(",", ":"))
    return {"id": uuid.uuid4(), "event": event, "body": body, "created_at": now, "fanned_out": False}


def secret_purpose(endpoint_id: uuid.UUID) -> str:
    return f"webhook-secret:{endpoint_id}"


def wants(endpoint: WebhookEndpoint, event: str) -> bool:
    return ALL_EVENTS in endpoint.events or event in endpoint.events


class WebhookDispatcher:
    def __init__(
        self, db: Database, box: SecretBox, settings: Settings, clock: Clock = utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._db = db
        self._box = box
        self._settings = settings
        self._clock = clock
        self._http = httpx.AsyncClient(
            timeout=settings.webhooks.timeout_seconds, transport=transport, follow_redirects=False,
            headers={"user-agent": f"authward/{__version__} (webhooks)", "content-type": "application/json"},
        )

    async def run_once(self) -> int:
        """Fan out new events and attempt the due deliveries; how many rows it touched."""
        if not self._settings.webhooks.enabled:
            return 0
        return await self.fan_out() + await self.deliver_due()

    async def fan_out(self) -> int:
        async with self._db.read() as session:  # the common case, nothing new, takes no write lock
            if not await webhooks_repo.unfanned_messages(session, 1):
                return 0
        async with self._db.write() as session:
            messages = await webhooks_repo.unfanned_messages(session, BATCH * 4)
            endpoints = await webhooks_repo.endpoints(session)
            deliveries: list[WebhookDelivery] = []
            unwanted: list[uuid.UUID] = []
            for message in messages:
                wanted = [self._delivery(message, endpoint) for endpoint in endpoints if wants(endpoint, message.event)]
                if not wanted:  # no endpoint wants it: nothing to keep
                    unwanted.append(message.id)
                elif await webhooks_repo.claim_fan_out(session, message.id):
                    deliveries += wanted
            await webhooks_repo.drop_unfanned(session, unwanted)
            await webhooks_repo.add_deliveries(session, deliveries)
        return len(messages)

    def _delivery(self, message: WebhookMessage, endpoint: WebhookEndpoint) -> WebhookDelivery:
        return WebhookDelivery(
            id=uuid.uuid4(), message_id=message.id, endpoint_id=endpoint.id, event=message.event,
            status=webhooks_repo.PENDING, attempts=0, next_attempt_at=message.created_at,
            created_at=message.created_at,
        )

    async def deliver_due(self) -> int:
        now = self._clock()
        async with self._db.read() as session:
            due = await webhooks_repo.due_deliveries(session, now, BATCH)
        outcomes = await asyncio.gather(*(self.attempt(delivery) for delivery in due))
        return sum(1 for outcome in outcomes if outcome is not None)

    async def attempt(self, delivery: WebhookDelivery) -> str | None:
        """One attempt at one delivery; the status it left (None when another worker had claimed it)."""
        now = self._clock()
        lease = now + timedelta(seconds=self._settings.webhooks.timeout_seconds + LEASE_MARGIN_SECONDS)
        async with self._db.write() as session:
            if not await webhooks_repo.claim_attempt(session, delivery.id, delivery.attempts, lease):
                return None
            message, endpoint = await webhooks_repo.message_and_endpoint(session, delivery)
        if message is None or endpoint is None:  # removed meanwhile (ON DELETE CASCADE)
            return None
        attempt = delivery.attempts + 1
        secret = self._box.decrypt(endpoint.secret_encrypted, secret_purpose(endpoint.id)).decode()
        headers = signed_headers(secret, f"msg_{delivery.id.hex}", now, message.body)
        status_code: int | None = None
        try:
            response = await self._http.post(endpoint.url, content=message.body.encode(), headers=headers)
            status_code = response.status_code
            error = None if response.is_success else f"answered HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}" if str(exc) else type(exc).__name__
        return await self._record(delivery, endpoint.url, attempt, status_code, error)

    async def _record(
        self, delivery: WebhookDelivery, url: str, attempt: int, status_code: int | None, error: str | None
    ) -> str:
        now = self._clock()
        settings = self._settings.webhooks
        if error is None:
            status, next_at = webhooks_repo.DELIVERED, None
        elif attempt >= settings.max_attempts:
            status, next_at = webhooks_repo.FAILED, None
            log.error("webhook %s (%s) to %s NOT delivered after %d attempts: %s (see `authward webhooks "
                      "deliveries`)", delivery.id, delivery.event, url, attempt, error)
        else:
            status = webhooks_repo.PENDING
            next_at = now + timedelta(seconds=settings.retry_base_seconds * 2 ** (attempt - 1))
            log.warning("webhook %s (%s) to %s: attempt %d failed, will retry: %s", delivery.id, delivery.event,
                        url, attempt, error)
        async with self._db.write() as session:
            await webhooks_repo.record_outcome(
                session, delivery.id, status=status, status_code=status_code, error=error, next_attempt_at=next_at,
                delivered_at=now if status == webhooks_repo.DELIVERED else None,
            )
        return status

    async def prune(self) -> int:
        """Drop deliveries finished more than a week ago (a maintenance job of its own, not every poll)."""
        async with self._db.write() as session:
            return await webhooks_repo.delete_finished(session, self._clock() - KEEP_FINISHED)

    async def aclose(self) -> None:
        await self._http.aclose()
