"""The outbox: mail is queued in the caller's unit of work, delivered after it commits, retried.

- `stage(session, email)` adds a `pending` row in the same transaction as the ticket it carries:
  a rolled-back request sends nothing.
- `dispatch(ids)` (after the commit) starts delivery in the background and waits at most
  `AUTHWARD_EMAIL_SEND_WAIT_MS`: a slow SMTP server never holds a request longer than that.
- Each attempt is claimed with a conditional UPDATE (no double send between workers) and bounded by
  the SMTP timeout. A failure stays `pending` with `last_error`; the retry loop tries again with
  exponential backoff (base, 2x, 4x... from `AUTHWARD_EMAIL_RETRY_BASE_SECONDS`) until
  `AUTHWARD_EMAIL_MAX_ATTEMPTS`, then marks it `failed` and logs an error. Nothing is dropped.
  (The loop itself runs in `services/email_features.py`.)
- Bodies hold live links and codes: a message sent over SMTP keeps its subject and recipient but
  loses its body. The dev outbox (`logged`) keeps bodies: reading them is its purpose.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from authward.background import Background
from authward.clock import Clock, utc_now
from authward.delivery.email import Mailer, OutgoingEmail
from authward.observability import metrics
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import OutboxMessage
from authward.storage.repos import outbox as outbox_repo

log = logging.getLogger("authward.mail")

CHANNEL = "email"
RETRY_BATCH = 20
KEEP_FINISHED = timedelta(days=7)


class Postman:
    def __init__(
        self, db: Database, mailer: Mailer, settings: Settings, background: Background, clock: Clock = utc_now
    ) -> None:
        self._db = db
        self.mailer = mailer
        self._settings = settings
        self._background = background
        self._clock = clock

    # -- queueing
    async def stage(self, session: AsyncSession, email: OutgoingEmail) -> uuid.UUID:
        row = await outbox_repo.add(session, OutboxMessage(
            id=uuid.uuid4(), channel=CHANNEL, recipient=email.to, subject=email.subject, body_text=email.text,
            body_html=email.html, status=outbox_repo.PENDING, attempts=0, created_at=self._clock(),
        ))
        return row.id

    async def dispatch(self, message_ids: Sequence[uuid.UUID], *, wait: bool = True) -> None:
        """Deliver committed messages; wait for them at most the configured bound."""
        tasks = [self._background.spawn(self.deliver(mid), name=f"mail-{mid}") for mid in message_ids]
        timeout = self._settings.email.send_wait_ms / 1000
        if wait and tasks and timeout > 0:
            await asyncio.wait(tasks, timeout=timeout)

    # -- delivering
    async def deliver(self, message_id: uuid.UUID, *, retry_at: datetime | None = None) -> str | None:
        """One attempt; the status it left the row in (None when it was not this caller's to make).

        The first attempt belongs to whoever queued the message; later ones (`retry_at`) to the
        retry loop, once due at that time: a message is never in two attempts at once.
        """
        async with self._db.write() as session:
            row = await outbox_repo.get(session, message_id)
            if row is None or row.status != outbox_repo.PENDING or row.channel != CHANNEL:
                return None
            if not self._due(row, retry_at) if retry_at is not None else row.attempts != 0:
                return None
            attempt = row.attempts + 1
            if not await outbox_repo.claim(session, message_id, row.attempts):
                return None
            email = OutgoingEmail(row.recipient, row.subject, row.body_text, row.body_html)
        try:
            await asyncio.wait_for(self.mailer.send(email), timeout=self._settings.email.smtp_timeout_seconds + 1)
        except Exception as exc:  # any failure is recorded and retried, never lost
            outcome = await self._failed(message_id, email.to, attempt, _describe(exc))
            metrics.delivery(CHANNEL, "failed" if outcome == outbox_repo.FAILED else "retry")
            return outcome
        status = self.mailer.delivered_status
        metrics.delivery(CHANNEL, status)
        async with self._db.write() as session:
            await outbox_repo.finish(session, message_id, status, self._clock(), scrub=status == outbox_repo.SENT)
        return status

    async def _failed(self, message_id: uuid.UUID, recipient: str, attempt: int, error: str) -> str:
        final = attempt >= self._settings.email.max_attempts
        async with self._db.write() as session:
            if final:
                await outbox_repo.finish(session, message_id, outbox_repo.FAILED, self._clock(), scrub=False,
                                         error=error)
            else:
                await outbox_repo.note_error(session, message_id, error)
        if final:
            log.error("email %s to %s NOT delivered after %d attempts: %s (see `authward outbox`)",
                      message_id, recipient, attempt, error)
            return outbox_repo.FAILED
        log.warning("email %s to %s: attempt %d failed, will retry: %s", message_id, recipient, attempt, error)
        return outbox_repo.PENDING

    def _due(self, row: OutboxMessage, now: datetime) -> bool:
        """When attempt n+1 may start: after every earlier attempt surely ended, plus the backoff.

        An attempt lasts at most `timeout + 1` s. A message never tried (n = 0) is an orphan of a
        stopped process once its first attempt should long be over.
        """
        n = row.attempts
        attempt = self._settings.email.smtp_timeout_seconds + 1
        wait = attempt + self._settings.email.send_wait_ms / 1000 + n * attempt
        wait += self._settings.email.retry_base_seconds * (2**n - 1)
        return now >= row.created_at + timedelta(seconds=wait)

    async def retry_due(self, now: datetime | None = None) -> int:
        """Deliver the pending messages whose next attempt is due; how many were tried."""
        now = now or self._clock()
        async with self._db.read() as session:
            rows = await outbox_repo.pending(session, CHANNEL, RETRY_BATCH)
        due = [row.id for row in rows if self._due(row, now)]
        for message_id in due:
            await self.deliver(message_id, retry_at=now)
        return len(due)

    async def queue_depth(self) -> int:
        """Messages of any channel still waiting for delivery (the outbox gauge of /metrics)."""
        async with self._db.read() as session:
            return await outbox_repo.count_pending(session)

    async def prune(self) -> int:
        async with self._db.write() as session:
            return await outbox_repo.delete_finished(session, self._clock() - KEEP_FINISHED)

    async def close(self) -> None:
        """Let in-flight deliveries finish, bounded by the SMTP timeout."""
        await self._background.drain(grace=self._settings.email.smtp_timeout_seconds + 2)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return (str(exc) or type(exc).__name__)[:1000]
