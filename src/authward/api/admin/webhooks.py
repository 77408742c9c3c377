"""`GET /admin/webhooks/deliveries`: the newest webhook deliveries and their status (as `authward webhooks
deliveries` shows them), for dashboards and scripts that cannot reach the database."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from authward.api.admin.deps import AdminActor
from authward.api.admin.schemas import WebhookDeliveries
from authward.api.deps import get_core
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.services.core import Core
from authward.services.webhook_endpoints import recent_deliveries

router = APIRouter(prefix="/admin/webhooks", tags=["admin"], responses=ERRORS)


@router.get("/deliveries", operation_id="adminListWebhookDeliveries", response_model=WebhookDeliveries)
async def list_deliveries(
    admin: AdminActor, core: Annotated[Core, Depends(get_core)],
    status: Literal["pending", "delivered", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    rows = await recent_deliveries(core.db, limit, status)
    return json_response({"deliveries": [_delivery_json(row, url) for row, url in rows]})


def _delivery_json(row: Any, url: str) -> dict[str, Any]:
    return {
        "id": str(row.id), "webhookId": f"msg_{row.id.hex}", "event": row.event, "endpointId": str(row.endpoint_id),
        "url": url, "status": row.status, "attempts": row.attempts, "lastStatusCode": row.last_status_code,
        "lastError": row.last_error, "createdAt": row.created_at.isoformat(),
        "nextAttemptAt": row.next_attempt_at.isoformat() if row.status == "pending" else None,
        "deliveredAt": row.delivered_at.isoformat() if row.delivered_at else None,
    }
