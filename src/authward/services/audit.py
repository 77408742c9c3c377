"""The audit log: append-only rows of security events, written in the same unit of work as the change
they describe, and read back by the admin API, `authward audit tail` and the self-service export.

Every row says what happened (`event`), to whom (`user_id`), when, from where (`ip`, `user_agent`) and who
did it when it was not the user (`actor`: an admin). The request's IP and user agent are published once
per request by the ASGI layers (`security.client_ip.CLIENT_IP`, `REQUEST_USER_AGENT`), so a service
records them without every route passing them down; a caller that knows better (the sign-in context)
passes them explicitly. Outside a request (the CLI, jobs) they are None.

Events (the `event` column):
- `user.signed_in` (`method`, `amr`), `user.sign_in_failed` (`method`, `reason`), `user.mfa_challenged`
- `user.signed_up`, `user.password_changed`, `user.email_change_requested`, `user.email_changed`
- `mfa.totp.activated`, `mfa.totp.deactivated`, `session.reuse_detected`, `pat.created`, `pat.revoked`
- `admin.*` (an admin's action; `actor` names the admin), `user.deleted_self`
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from authward.delivery import webhooks
from authward.observability import logs, metrics
from authward.security.client_ip import CLIENT_IP
from authward.storage.db import Database, DriverTransaction
from authward.storage.models import AuditEvent, WebhookMessage
from authward.storage.repos import webhooks as webhooks_repo

# The user agent of the request being served (set by api/rate_limit.py), beside CLIENT_IP.
REQUEST_USER_AGENT: ContextVar[str | None] = ContextVar("authward_user_agent", default=None)
USER_AGENT_MAX = 512


@dataclass(frozen=True)
class Entry:
    """One event's rows (its `audit_events` row and its `webhook_messages` row), built in the request's
    context (its IP and user agent are context variables) and written later, maybe on another thread."""

    event: dict[str, Any]
    message: dict[str, Any]


def entry(
    event: str, now: datetime, user_id: uuid.UUID | None = None, *,
    ip: str | None = None, user_agent: str | None = None, actor: str | None = None, **data: Any,
) -> Entry:
    """Never put a secret in `data`. `ip` and `user_agent` default to the current request's."""
    agent = user_agent if user_agent is not None else REQUEST_USER_AGENT.get()
    row = {
        "id": uuid.uuid4(), "user_id": user_id, "event": event, "created_at": now, "data": data,
        "ip": ip if ip is not None else CLIENT_IP.get(), "user_agent": agent[:USER_AGENT_MAX] if agent else None,
        "actor": actor,
    }
    metrics.audit_event(event, data)
    logs.note_user(user_id)
    return Entry(row, webhooks.message_values(event, now, user_id, data))


def record(
    session: AsyncSession, event: str, now: datetime, user_id: uuid.UUID | None = None, *,
    ip: str | None = None, user_agent: str | None = None, actor: str | None = None, **data: Any,
) -> None:
    """Never put a secret in `data`. `ip` and `user_agent` default to the current request's."""
    add(session, entry(event, now, user_id, ip=ip, user_agent=user_agent, actor=actor, **data))


def add(session: AsyncSession, written: Entry) -> None:
    """An entry in the caller's unit of work."""
    session.add(AuditEvent(**written.event))
    session.add(WebhookMessage(**written.message))  # same transaction: sent only if this commits


_INSERT_EVENT = insert(AuditEvent)


async def write_on(tx: DriverTransaction, entries: Sequence[Entry]) -> None:
    """Entries inside a driver transaction (`Database.driver_transaction`): the hot sign-in's write."""
    for written in entries:
        await tx.run(_INSERT_EVENT, written.event, columns=True)
        await webhooks_repo.add_message_on(tx, written.message)


async def record_alone(db: Database, event: str, now: datetime, user_id: uuid.UUID | None = None,
                       **data: Any) -> None:
    """`record` in a unit of work of its own: an event whose request changes nothing else (a failed sign-in).

    Never call it inside another write unit of work (SQLite serialises writers: it would wait for itself)."""
    async with db.write() as session:
        record(session, event, now, user_id, **data)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of `GET /admin/audit` and `authward audit tail`; newest first unless `after` is given."""

    user_id: uuid.UUID | None = None
    event: str | None = None  # an exact name, or a prefix ending in `.` or `*` (`admin.`, `user.sign*`)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    offset: int = 0


def _filtered(query: AuditQuery) -> Any:
    stmt = select(AuditEvent)
    if query.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == query.user_id)
    if query.event:
        if query.event.endswith(("*", ".")):
            stmt = stmt.where(AuditEvent.event.startswith(query.event.rstrip("*"), autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.event == query.event)
    if query.since is not None:
        stmt = stmt.where(AuditEvent.created_at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEvent.created_at < query.until)
    return stmt


async def find(session: AsyncSession, query: AuditQuery) -> list[AuditEvent]:
    """Matching events, newest first (ties broken by id, so paging is stable)."""
    stmt = _filtered(query).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return list((await session.scalars(stmt.limit(query.limit).offset(query.offset))).all())


async def count(session: AsyncSession, query: AuditQuery) -> int:
    sub = _filtered(query).subquery()
    return int(await session.scalar(select(func.count()).select_from(sub)) or 0)


async def newer_than(session: AsyncSession, query: AuditQuery, after: datetime, *,
                     inclusive: bool = False) -> list[AuditEvent]:
    """Events after `after` (or at it, `inclusive`), oldest first (what `audit tail --follow` prints next)."""
    since = AuditEvent.created_at >= after if inclusive else AuditEvent.created_at > after
    stmt = _filtered(query).where(since).order_by(AuditEvent.created_at, AuditEvent.id)
    return list((await session.scalars(stmt.limit(query.limit))).all())


async def prune(session: AsyncSession, now: datetime, retention_days: int) -> int:
    """Delete events older than the retention (0 keeps them for ever)."""
    if retention_days <= 0:
        return 0
    cutoff = now - timedelta(days=retention_days)
    result = await session.execute(delete(AuditEvent).where(AuditEvent.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def event_json(row: AuditEvent) -> dict[str, Any]:
    """An event as the admin API, the CLI and the export show it."""
    return {
        "id": str(row.id), "event": row.event, "userId": str(row.user_id) if row.user_id else None,
        "createdAt": row.created_at.isoformat(), "ip": row.ip, "userAgent": row.user_agent, "actor": row.actor,
        "data": row.data or {},
    }
