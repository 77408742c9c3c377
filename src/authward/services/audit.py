"""Audit rows, written in the same unit of work as the change they describe."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.delivery import webhooks
from authward.storage.models import AuditEvent


def record(
    session: AsyncSession, event: str, now: datetime, user_id: uuid.UUID | None = None, **data: Any
) -> None:
    """Never put a secret in `data`."""
    session.add(AuditEvent(event=event, user_id=user_id, created_at=now, data=data))
    webhooks.enqueue(session, event, now, user_id, data)  # same transaction: sent only if this commits
