"""`GET /admin/audit`: the audit log, newest first, filtered and paged."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from authward.api.admin.deps import AdminActor
from authward.api.admin.schemas import AuditEvents
from authward.api.deps import get_core
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.clock import as_utc
from authward.services import audit
from authward.services.core import Core

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERRORS)


@router.get("/audit", operation_id="adminListAuditEvents", response_model=AuditEvents)
async def list_audit_events(
    admin: AdminActor, core: Annotated[Core, Depends(get_core)],
    user_id: uuid.UUID | None = None,
    event: Annotated[str | None, Query(max_length=64, description="An event name, or a prefix ending in . or *")]
    = None,
    since: datetime | None = None, until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    query = audit.AuditQuery(user_id=user_id, event=event, since=as_utc(since), until=as_utc(until), limit=limit,
                             offset=offset)
    async with core.db.read() as session:
        rows = await audit.find(session, query)
        total = await audit.count(session, query)
    return json_response({"events": [audit.event_json(row) for row in rows], "total": total})
