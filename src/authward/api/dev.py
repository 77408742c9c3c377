"""GET /dev/outbox: the messages the server sent or kept (development only).

Mounted only when AUTHWARD_DEV_MODE=true: the dev outbox holds live links and codes, so it must
never be reachable on a production server (the route does not exist there: 404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from authward.api.deps import get_core
from authward.api.nhost.wire import json_response
from authward.services.core import Core
from authward.storage.models import OutboxMessage
from authward.storage.repos import outbox as outbox_repo

router = APIRouter(prefix="/dev", tags=["development"], include_in_schema=False)


def message_json(row: OutboxMessage) -> dict[str, Any]:
    return {
        "id": str(row.id), "channel": row.channel, "to": row.recipient, "subject": row.subject,
        "text": row.body_text, "html": row.body_html, "status": row.status, "attempts": row.attempts,
        "lastError": row.last_error, "createdAt": row.created_at.isoformat(),
        "sentAt": row.sent_at.isoformat() if row.sent_at else None,
    }


@router.get("/outbox")
async def dev_outbox(
    to: str | None = Query(default=None, max_length=320, description="Only messages to this recipient"),
    limit: int = Query(default=50, ge=1, le=500),
    core: Core = Depends(get_core),
) -> Response:
    """Newest first."""
    async with core.db.read() as session:
        rows = await outbox_repo.recent(session, limit=limit, recipient=to.lower() if to else None)
    return json_response({"messages": [message_json(row) for row in rows]})
