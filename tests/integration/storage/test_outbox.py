"""Contract of storage/repos/outbox.py on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from authward.storage.db import Database
from authward.storage.models import OutboxMessage
from authward.storage.repos import outbox as outbox_repo
from tests.integration.storage.conftest import Concurrently
from tests.integration.storage.rows import new_message


async def add(db: Database, *messages: OutboxMessage) -> None:
    async with db.write() as session:
        for message in messages:
            await outbox_repo.add(session, message)


async def stored(db: Database, message: OutboxMessage) -> OutboxMessage:
    async with db.read() as session:
        row = await outbox_repo.get(session, message.id)
    assert row is not None
    return row


async def test_add_then_get_round_trips_with_defaults(db: Database, now: datetime) -> None:
    message = OutboxMessage(id=uuid.uuid4(), channel="sms", recipient="+14155550100", created_at=now)
    async with db.write() as session:
        assert await outbox_repo.add(session, message) is message
    got = await stored(db, message)
    assert (got.channel, got.recipient, got.subject, got.body_text, got.body_html) == (
        "sms", "+14155550100", "", "", None)
    assert (got.status, got.attempts, got.last_error, got.sent_at) == (outbox_repo.PENDING, 0, None, None)
    assert got.created_at == now and got.created_at.tzinfo is not None
    async with db.read() as session:
        assert await outbox_repo.get(session, uuid.uuid4()) is None


async def test_get_rereads_a_row_already_in_the_session(db: Database) -> None:
    message = new_message()
    await add(db, message)
    async with db.write() as session:
        cached = await outbox_repo.get(session, message.id)
        assert cached is not None
        cached.attempts = 99
        again = await outbox_repo.get(session, message.id)
        assert again is cached and again.attempts == 0


async def test_claim_counts_one_attempt_per_seen_count(db: Database) -> None:
    message = new_message()
    await add(db, message)
    async with db.write() as session:
        assert await outbox_repo.claim(session, message.id, 0) is True
    async with db.write() as session:
        assert await outbox_repo.claim(session, message.id, 0) is False  # stale count
        assert await outbox_repo.claim(session, uuid.uuid4(), 0) is False
    async with db.write() as session:
        assert await outbox_repo.claim(session, message.id, 1) is True
    assert (await stored(db, message)).attempts == 2


async def test_claim_refuses_finished_messages(db: Database, now: datetime) -> None:
    sent, failed = new_message(status=outbox_repo.SENT), new_message(status=outbox_repo.FAILED)
    await add(db, sent, failed)
    async with db.write() as session:
        assert await outbox_repo.claim(session, sent.id, 0) is False
        assert await outbox_repo.claim(session, failed.id, 0) is False
    assert (await stored(db, sent)).attempts == 0


async def test_concurrent_claims_have_one_winner(db: Database, concurrently: Concurrently) -> None:
    message = new_message()
    await add(db, message)
    results = await concurrently(4, lambda session: outbox_repo.claim(session, message.id, 0))
    assert sorted(results) == [False, False, False, True]
    assert (await stored(db, message)).attempts == 1


async def test_finish_sent_with_scrub_drops_the_body(db: Database, now: datetime) -> None:
    message = new_message(body_html="<a href='secret'>link</a>", last_error="earlier timeout")
    await add(db, message)
    async with db.write() as session:
        await outbox_repo.finish(session, message.id, outbox_repo.SENT, now, scrub=True)
    got = await stored(db, message)
    assert (got.status, got.sent_at, got.last_error) == (outbox_repo.SENT, now, None)
    assert (got.body_text, got.body_html, got.subject) == ("", None, message.subject)


async def test_finish_failed_keeps_the_body_and_the_error(db: Database, now: datetime) -> None:
    message = new_message(body_html="<p>code</p>")
    await add(db, message)
    async with db.write() as session:
        await outbox_repo.finish(session, message.id, outbox_repo.FAILED, now, scrub=False, error="550 no such user")
    got = await stored(db, message)
    assert (got.status, got.sent_at, got.last_error) == (outbox_repo.FAILED, None, "550 no such user")
    assert (got.body_text, got.body_html) == (message.body_text, "<p>code</p>")


async def test_finish_logged_records_when(db: Database, now: datetime) -> None:
    message = new_message()
    await add(db, message)
    async with db.write() as session:
        await outbox_repo.finish(session, message.id, outbox_repo.LOGGED, now, scrub=False)
    got = await stored(db, message)
    assert (got.status, got.sent_at, got.body_text) == (outbox_repo.LOGGED, now, message.body_text)


async def test_note_error_keeps_the_message_pending(db: Database) -> None:
    message, bystander = new_message(), new_message()
    await add(db, message, bystander)
    async with db.write() as session:
        await outbox_repo.note_error(session, message.id, "connection refused")
    got = await stored(db, message)
    assert (got.status, got.last_error, got.body_text) == (outbox_repo.PENDING, "connection refused", message.body_text)
    assert (await stored(db, bystander)).last_error is None


async def test_pending_lists_one_channel_oldest_first(db: Database, now: datetime) -> None:
    def at(minutes: int, **overrides: object) -> OutboxMessage:
        return new_message(created_at=now - timedelta(minutes=minutes), **overrides)

    oldest, middle, newest = at(30), at(20), at(10)
    sms, sent, failed = at(40, channel="sms"), at(50, status=outbox_repo.SENT), at(60, status=outbox_repo.FAILED)
    await add(db, newest, sms, oldest, sent, middle, failed)
    async with db.read() as session:
        assert [m.id for m in await outbox_repo.pending(session, "email", 10)] == [oldest.id, middle.id, newest.id]
        assert [m.id for m in await outbox_repo.pending(session, "email", 2)] == [oldest.id, middle.id]
        assert [m.id for m in await outbox_repo.pending(session, "sms", 10)] == [sms.id]


async def test_recent_is_newest_first_and_filters(db: Database, now: datetime) -> None:
    def at(minutes: int, recipient: str, status: str = outbox_repo.PENDING) -> OutboxMessage:
        return new_message(created_at=now - timedelta(minutes=minutes), recipient=recipient, status=status)

    a_old, b_mid = at(30, "a@example.com", outbox_repo.SENT), at(20, "b@example.com")
    a_new, a_newest = at(10, "a@example.com"), at(5, "a@example.com", outbox_repo.LOGGED)
    await add(db, b_mid, a_new, a_old, a_newest)
    async with db.read() as session:
        everything = await outbox_repo.recent(session)
        limited = await outbox_repo.recent(session, limit=2)
        to_a = await outbox_repo.recent(session, recipient="a@example.com")
        to_a_pending = await outbox_repo.recent(session, recipient="a@example.com", status=outbox_repo.PENDING)
        sent = await outbox_repo.recent(session, status=outbox_repo.SENT)
        nobody = await outbox_repo.recent(session, recipient="A@example.com")
    assert [m.id for m in everything] == [a_newest.id, a_new.id, b_mid.id, a_old.id]
    assert [m.id for m in limited] == [a_newest.id, a_new.id]
    assert [m.id for m in to_a] == [a_newest.id, a_new.id, a_old.id]
    assert [m.id for m in to_a_pending] == [a_new.id]
    assert [m.id for m in sent] == [a_old.id]
    assert nobody == []  # recipients match exactly: callers lower-case them


async def test_requeue_gives_a_failed_message_fresh_attempts_once(db: Database) -> None:
    message = new_message(status=outbox_repo.FAILED, attempts=5, last_error="550")
    await add(db, message)
    async with db.write() as session:
        assert await outbox_repo.requeue(session, message.id) is True
    got = await stored(db, message)
    assert (got.status, got.attempts, got.last_error) == (outbox_repo.PENDING, 0, None)
    async with db.write() as session:
        assert await outbox_repo.requeue(session, message.id) is False
        assert await outbox_repo.requeue(session, uuid.uuid4()) is False


async def test_requeue_refuses_scrubbed_and_unfailed_messages(db: Database) -> None:
    scrubbed = new_message(status=outbox_repo.FAILED, attempts=5, body_text="")
    sent = new_message(status=outbox_repo.SENT)
    pending = new_message(attempts=2)
    await add(db, scrubbed, sent, pending)
    async with db.write() as session:
        assert [await outbox_repo.requeue(session, m.id) for m in (scrubbed, sent, pending)] == [False] * 3
    assert [(await stored(db, m)).status for m in (scrubbed, sent, pending)] == ["failed", "sent", "pending"]
    assert (await stored(db, pending)).attempts == 2


async def test_delete_finished_deletes_old_finished_messages_only(db: Database, now: datetime) -> None:
    old, young = now - timedelta(days=8), now - timedelta(days=1)
    cutoff = now - timedelta(days=7)
    old_sent = new_message(created_at=old, status=outbox_repo.SENT)
    old_failed = new_message(created_at=old, status=outbox_repo.FAILED)
    old_logged = new_message(created_at=old, status=outbox_repo.LOGGED)
    old_pending = new_message(created_at=old)
    young_sent = new_message(created_at=young, status=outbox_repo.SENT)
    at_cutoff = new_message(created_at=cutoff, status=outbox_repo.SENT)
    await add(db, old_sent, old_failed, old_logged, old_pending, young_sent, at_cutoff)
    async with db.write() as session:
        assert await outbox_repo.delete_finished(session, cutoff) == 3
    async with db.read() as session:
        left = set((await session.scalars(select(OutboxMessage.id))).all())
    assert left == {old_pending.id, young_sent.id, at_cutoff.id}
