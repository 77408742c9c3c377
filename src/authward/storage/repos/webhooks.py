"""Webhook endpoints, the queue of events to fan out, and the deliveries (one per message and endpoint)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.db import DriverTransaction
from authward.storage.models import WebhookDelivery, WebhookEndpoint, WebhookMessage

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"
_INSERT_MESSAGE = insert(WebhookMessage)


async def add_message_on(tx: DriverTransaction, values: dict[str, Any]) -> None:
    """Queue one message inside a driver transaction (`Database.driver_transaction`), every column given."""
    await tx.run(_INSERT_MESSAGE, values, columns=True)


async def add_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    session.add(endpoint)
    await session.flush()
    return endpoint


async def endpoints(session: AsyncSession) -> list[WebhookEndpoint]:
    return list((await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at))).all())


async def remove_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> bool:
    result = await session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unfanned_messages(session: AsyncSession, limit: int) -> list[WebhookMessage]:
    stmt = (select(WebhookMessage).where(WebhookMessage.fanned_out.is_(False))
            .order_by(WebhookMessage.created_at).limit(limit))
    return list((await session.scalars(stmt)).all())


async def claim_fan_out(session: AsyncSession, message_id: uuid.UUID) -> bool:
    """Mark the message fanned out; False when another worker did it first."""
    result = await session.execute(
        update(WebhookMessage).where(WebhookMessage.id == message_id, WebhookMessage.fanned_out.is_(False))
        .values(fanned_out=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def drop_unfanned(session: AsyncSession, message_ids: Sequence[uuid.UUID]) -> None:
    """Delete messages no endpoint wants, in one statement (every audited event queues one)."""
    if message_ids:
        await session.execute(
            delete(WebhookMessage).where(WebhookMessage.id.in_(message_ids), WebhookMessage.fanned_out.is_(False))
            .execution_options(synchronize_session=False))


async def add_deliveries(session: AsyncSession, deliveries: Sequence[WebhookDelivery]) -> None:
    session.add_all(deliveries)
    await session.flush()


async def due_deliveries(session: AsyncSession, now: datetime, limit: int) -> list[WebhookDelivery]:
    stmt = (select(WebhookDelivery)
            .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at).limit(limit))
    return list((await session.scalars(stmt)).all())


async def claim_attempt(
    session: AsyncSession, delivery_id: uuid.UUID, seen_attempts: int, lease_until: datetime
) -> bool:
    """Count one attempt and hold the delivery until `lease_until`; False when another worker claimed it."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == PENDING,
               WebhookDelivery.attempts == seen_attempts)
        .values(attempts=seen_attempts + 1, next_attempt_at=lease_until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def message_and_endpoint(
    session: AsyncSession, delivery: WebhookDelivery
) -> tuple[WebhookMessage | None, WebhookEndpoint | None]:
    return (await session.get(WebhookMessage, delivery.message_id),
            await session.get(WebhookEndpoint, delivery.endpoint_id))


async def record_outcome(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    *,
    status: str,
    status_code: int | None,
    error: str | None,
    next_attempt_at: datetime | None = None,
    delivered_at: datetime | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "last_status_code": status_code, "last_error": error}
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    if delivered_at is not None:
        values["delivered_at"] = delivered_at
    await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values))


async def recent_deliveries(
    session: AsyncSession, limit: int, status: str | None = None
) -> list[tuple[WebhookDelivery, str]]:
    """The newest deliveries with their endpoint's URL."""
    stmt = (select(WebhookDelivery, WebhookEndpoint.url)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .order_by(WebhookDelivery.created_at.desc()).limit(limit))
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]


async def requeue(session: AsyncSession, delivery_id: uuid.UUID, now: datetime) -> bool:
    """A failed delivery gets a fresh set of attempts, due now."""
    result = await session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == FAILED)
        .values(status=PENDING, attempts=0, next_attempt_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_finished(session: AsyncSession, before: datetime) -> int:
    """Deliveries that ended before `before`, then messages with nothing left to deliver."""
    done = await session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.status != PENDING, WebhookDelivery.created_at < before)
    )
    orphans = await session.execute(
        delete(WebhookMessage).where(
            WebhookMessage.fanned_out.is_(True), WebhookMessage.created_at < before,
            ~exists().where(WebhookDelivery.message_id == WebhookMessage.id),
        )
    )
    return int(done.rowcount) + int(orphans.rowcount)  # type: ignore[attr-defined]
