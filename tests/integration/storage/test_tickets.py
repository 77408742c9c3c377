"""Contract of storage/repos/tickets.py on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.storage.db import Database
from authward.storage.models import Ticket, User
from authward.storage.repos import tickets as tickets_repo
from tests.integration.storage.conftest import Concurrently, MakeUser
from tests.integration.storage.rows import token_hash

VERIFY = "verifyEmail"
RESET = "passwordReset"
CODE = "otpEmail"
ALICE_MAIL = "alice@example.com"
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def new_ticket(**overrides: Any) -> Ticket:
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "user_id": None,
        "kind": VERIFY,
        "owner": None,
        "secret_hash": token_hash(),
        "created_at": now,
        "expires_at": now + timedelta(hours=1),
        "consumed_at": None,
        "attempts": 0,
        "payload": {},
    }
    values.update(overrides)
    return Ticket(**values)


async def add(db: Database, *tickets: Ticket) -> None:
    async with db.write() as session:
        for ticket in tickets:
            assert await tickets_repo.add(session, ticket) is ticket


async def rows(db: Database) -> dict[uuid.UUID, Ticket]:
    async with db.read() as session:
        return {row.id: row for row in (await session.scalars(select(Ticket))).all()}


async def ids(db: Database) -> set[uuid.UUID]:
    return set(await rows(db))


# -- add, get_by_hash


async def test_add_then_get_by_hash_round_trips(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    ticket = new_ticket(
        user_id=user.id, kind=RESET, owner=ALICE_MAIL, created_at=now, expires_at=now + timedelta(minutes=5),
        attempts=2, payload={"redirectTo": "https://app.example.com/", "n": [1, 2]},
    )
    await add(db, ticket)
    async with db.read() as session:
        got = await tickets_repo.get_by_hash(session, ticket.secret_hash)
        assert await tickets_repo.get_by_hash(session, token_hash()) is None
    assert got is not None
    assert (got.id, got.user_id, got.kind, got.owner) == (ticket.id, user.id, RESET, ALICE_MAIL)
    assert (got.attempts, got.consumed_at) == (2, None)
    assert got.payload == {"redirectTo": "https://app.example.com/", "n": [1, 2]}
    assert got.created_at == now and got.created_at.tzinfo is not None
    assert got.expires_at == now + timedelta(minutes=5) and got.expires_at.tzinfo is not None


async def test_defaults_of_a_minimal_ticket(db: Database, now: datetime) -> None:
    ticket = Ticket(kind=VERIFY, owner=ALICE_MAIL, secret_hash=token_hash(), created_at=now,
                    expires_at=now + timedelta(minutes=1))
    await add(db, ticket)
    got = (await rows(db))[ticket.id]
    assert (got.user_id, got.consumed_at, got.attempts, got.payload) == (None, None, 0, {})


async def test_duplicate_secret_hash_is_refused(db: Database) -> None:
    first = new_ticket()
    await add(db, first)
    with pytest.raises(IntegrityError):
        await add(db, new_ticket(kind=RESET, owner="someone@example.com", secret_hash=first.secret_hash))
    assert await ids(db) == {first.id}


async def test_ticket_of_an_unknown_user_is_refused(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await add(db, new_ticket(user_id=uuid.uuid4()))


async def test_get_by_hash_rereads_a_row_already_in_the_session(db: Database) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    async with db.write() as session:
        cached = await tickets_repo.get_by_hash(session, ticket.secret_hash)
        assert cached is not None
        cached.attempts = 99
        again = await tickets_repo.get_by_hash(session, ticket.secret_hash, lock=True)
        assert again is cached and again.attempts == 0


async def test_get_by_hash_with_lock_returns_the_row_and_leaves_readers_alone(db: Database) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    async with db.write() as session:
        locked = await tickets_repo.get_by_hash(session, ticket.secret_hash, lock=True)
        assert locked is not None and locked.id == ticket.id
        assert await tickets_repo.get_by_hash(session, token_hash(), lock=True) is None
        async with db.read() as reader:  # a plain read does not wait for the lock
            seen = await tickets_repo.get_by_hash(reader, ticket.secret_hash)
        assert seen is not None and seen.id == ticket.id


async def test_get_by_hash_with_lock_holds_the_row_until_the_unit_of_work_ends(db: Database) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    if db.is_sqlite:  # no row locks: a write unit of work holds the database lock (BEGIN IMMEDIATE) instead
        async def second_writer() -> bool:
            async with db.write() as other:
                return await tickets_repo.get_by_hash(other, ticket.secret_hash, lock=True) is not None

        async with db.write() as holder:
            assert await tickets_repo.get_by_hash(holder, ticket.secret_hash, lock=True) is not None
            waiting = asyncio.ensure_future(second_writer())
            done, _ = await asyncio.wait({waiting}, timeout=0.3)
            assert not done  # it waits for the holder's commit
        assert await asyncio.wait_for(waiting, timeout=15) is True  # and goes on after it
        return
    async with db.write() as holder:
        assert await tickets_repo.get_by_hash(holder, ticket.secret_hash, lock=True) is not None
        with pytest.raises(DBAPIError, match="lock"):
            async with db.write() as other:
                await other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                await tickets_repo.get_by_hash(other, ticket.secret_hash, lock=True)
        async with db.write() as other:  # without lock: no wait
            await other.execute(text("SET LOCAL lock_timeout = '200ms'"))
            assert await tickets_repo.get_by_hash(other, ticket.secret_hash) is not None
    async with db.write() as other:  # released at commit
        await other.execute(text("SET LOCAL lock_timeout = '200ms'"))
        assert await tickets_repo.get_by_hash(other, ticket.secret_hash, lock=True) is not None


# -- consume


async def test_consume_succeeds_exactly_once(db: Database, now: datetime) -> None:
    ticket = new_ticket(expires_at=now + timedelta(minutes=1))
    await add(db, ticket)
    async with db.write() as session:
        assert await tickets_repo.consume(session, ticket.id, now) is True
    async with db.write() as session:
        assert await tickets_repo.consume(session, ticket.id, now + timedelta(seconds=1)) is False
        assert await tickets_repo.consume(session, uuid.uuid4(), now) is False
    assert (await rows(db))[ticket.id].consumed_at == now


async def test_consume_refuses_an_expired_ticket(db: Database, now: datetime) -> None:
    expired = new_ticket(expires_at=now - timedelta(seconds=1))
    at_the_edge = new_ticket(expires_at=now)
    await add(db, expired, at_the_edge)
    async with db.write() as session:
        assert await tickets_repo.consume(session, expired.id, now) is False
        assert await tickets_repo.consume(session, at_the_edge.id, now) is False  # expires_at > now, strictly
        assert await tickets_repo.consume(session, at_the_edge.id, now - timedelta(microseconds=1)) is True
    stored = await rows(db)
    assert stored[expired.id].consumed_at is None
    assert stored[at_the_edge.id].consumed_at == now - timedelta(microseconds=1)


async def test_consume_is_rolled_back_with_its_unit_of_work(db: Database, now: datetime) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    with pytest.raises(RuntimeError):
        async with db.write() as session:
            assert await tickets_repo.consume(session, ticket.id, now) is True
            raise RuntimeError("the rest of the unit of work failed")
    async with db.write() as session:
        assert await tickets_repo.consume(session, ticket.id, now) is True


async def test_concurrent_consumes_have_one_winner(db: Database, concurrently: Concurrently, now: datetime) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    results = await concurrently(4, lambda session: tickets_repo.consume(session, ticket.id, now))
    assert sorted(results) == [False, False, False, True]
    assert (await rows(db))[ticket.id].consumed_at == now


# -- claim_attempt


async def test_claim_attempt_stops_at_max_attempts(db: Database) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    answers = []
    for _ in range(5):
        async with db.write() as session:
            answers.append(await tickets_repo.claim_attempt(session, ticket.id, 3))
    assert answers == [True, True, True, False, False]
    assert (await rows(db))[ticket.id].attempts == 3
    async with db.write() as session:  # the bound is the caller's: a higher one allows more
        assert await tickets_repo.claim_attempt(session, ticket.id, 4) is True
        assert await tickets_repo.claim_attempt(session, uuid.uuid4(), 4) is False
    assert (await rows(db))[ticket.id].attempts == 4


async def test_claim_attempt_refuses_a_used_ticket(db: Database, now: datetime) -> None:
    used = new_ticket(consumed_at=now)
    await add(db, used)
    async with db.write() as session:
        assert await tickets_repo.claim_attempt(session, used.id, 3) is False
    assert (await rows(db))[used.id].attempts == 0


async def test_concurrent_claims_take_exactly_max_attempts(db: Database, concurrently: Concurrently) -> None:
    ticket = new_ticket()
    await add(db, ticket)
    results = await concurrently(7, lambda session: tickets_repo.claim_attempt(session, ticket.id, 3))
    assert sorted(results) == [False] * 4 + [True] * 3
    assert (await rows(db))[ticket.id].attempts == 3


# -- ownership: by address when one is given, else by user


class RolledBack(Exception):
    """Raised to leave a unit of work without committing it."""


OwnedQuery = Callable[[AsyncSession, dict[str, Any]], Awaitable[Any]]
OWNED_QUERIES: dict[str, OwnedQuery] = {
    "consume_all_owned": lambda s, o: tickets_repo.consume_all_owned(s, VERIFY, datetime.now(UTC), **o),
    "delete_owned": lambda s, o: tickets_repo.delete_owned(s, VERIFY, **o),
    "latest_live_owned": lambda s, o: tickets_repo.latest_live_owned(s, VERIFY, datetime.now(UTC), **o),
    "created_since": lambda s, o: tickets_repo.created_since(s, VERIFY, LONG_AGO, **o),
    "count_owned_since": lambda s, o: tickets_repo.count_owned_since(s, VERIFY, LONG_AGO, **o),
}


@pytest.mark.parametrize("query", OWNED_QUERIES)
async def test_an_owner_needs_a_user_or_an_address(db: Database, query: str) -> None:
    async with db.read() as session:
        with pytest.raises(ValueError, match="owner"):
            await OWNED_QUERIES[query](session, {})
        with pytest.raises(ValueError, match="owner"):
            await OWNED_QUERIES[query](session, {"user_id": None, "address": None})


async def test_ownership_is_by_address_when_one_is_given_else_by_user(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    by_user = new_ticket(user_id=alice.id)
    both = new_ticket(user_id=alice.id, owner=ALICE_MAIL)
    other_users_on_the_address = new_ticket(user_id=bob.id, owner=ALICE_MAIL)
    address_only = new_ticket(owner=ALICE_MAIL)
    alice_elsewhere = new_ticket(user_id=alice.id, owner="alice@work.example.com")
    other_kind = new_ticket(user_id=alice.id, owner=ALICE_MAIL, kind=RESET)
    bobs = new_ticket(user_id=bob.id)
    await add(db, by_user, both, other_users_on_the_address, address_only, alice_elsewhere, other_kind, bobs)

    async def owned(**owner: Any) -> set[uuid.UUID]:
        """The tickets `owner` designates, seen through count_owned_since and consume_all_owned."""
        with pytest.raises(RolledBack):
            async with db.write() as session:
                count = await tickets_repo.count_owned_since(session, VERIFY, LONG_AGO, **owner)
                assert await tickets_repo.consume_all_owned(session, VERIFY, datetime.now(UTC), **owner) == count
                retired = {row.id for row in (await session.scalars(select(Ticket))).all() if row.consumed_at}
                raise RolledBack
        assert count == len(retired)
        return retired

    assert await owned(user_id=alice.id) == {by_user.id, both.id, alice_elsewhere.id}
    by_address = {both.id, other_users_on_the_address.id, address_only.id}
    assert await owned(address=ALICE_MAIL) == by_address
    assert await owned(user_id=alice.id, address=ALICE_MAIL) == by_address  # the address wins
    assert await owned(user_id=bob.id, address=ALICE_MAIL) == by_address
    assert await owned(user_id=uuid.uuid4(), address="nobody@example.com") == set()
    assert await owned(user_id=bob.id) == {other_users_on_the_address.id, bobs.id}


# -- consume_all_owned, delete_owned


async def test_consume_all_owned_retires_the_unused_tickets_of_one_kind_of_one_owner(
    db: Database, make_user: MakeUser, now: datetime
) -> None:
    alice, bob = await make_user(), await make_user()
    earlier = now - timedelta(hours=1)
    live = [new_ticket(user_id=alice.id), new_ticket(user_id=alice.id, expires_at=now - timedelta(minutes=1))]
    used = new_ticket(user_id=alice.id, consumed_at=earlier)
    other_kind = new_ticket(user_id=alice.id, kind=RESET)
    theirs = new_ticket(user_id=bob.id)
    await add(db, *live, used, other_kind, theirs)
    async with db.write() as session:
        assert await tickets_repo.consume_all_owned(session, VERIFY, now, user_id=alice.id) == 2
    stored = await rows(db)
    assert [stored[t.id].consumed_at for t in live] == [now, now]  # expired but unused ones too
    assert stored[used.id].consumed_at == earlier  # not rewritten
    assert (stored[other_kind.id].consumed_at, stored[theirs.id].consumed_at) == (None, None)
    async with db.write() as session:
        assert await tickets_repo.consume_all_owned(session, VERIFY, now, user_id=alice.id) == 0


async def test_consume_all_owned_by_address(db: Database, now: datetime) -> None:
    mine = [new_ticket(kind=CODE, owner=ALICE_MAIL) for _ in range(3)]
    theirs = new_ticket(kind=CODE, owner="bob@example.com")
    await add(db, *mine, theirs)
    async with db.write() as session:
        assert await tickets_repo.consume_all_owned(session, CODE, now, address=ALICE_MAIL) == 3
    stored = await rows(db)
    assert {stored[t.id].consumed_at for t in mine} == {now}
    assert stored[theirs.id].consumed_at is None


async def test_delete_owned_deletes_every_ticket_of_one_kind_of_one_owner(
    db: Database, make_user: MakeUser, now: datetime
) -> None:
    alice, bob = await make_user(), await make_user()
    mine = [new_ticket(user_id=alice.id), new_ticket(user_id=alice.id, consumed_at=now),
            new_ticket(user_id=alice.id, expires_at=now - timedelta(days=1))]
    other_kind = new_ticket(user_id=alice.id, kind=RESET)
    theirs = new_ticket(user_id=bob.id)
    by_address = new_ticket(owner=ALICE_MAIL)
    await add(db, *mine, other_kind, theirs, by_address)
    async with db.write() as session:
        assert await tickets_repo.delete_owned(session, VERIFY, user_id=alice.id) == 3
        assert await tickets_repo.delete_owned(session, VERIFY, user_id=alice.id) == 0
    assert await ids(db) == {other_kind.id, theirs.id, by_address.id}
    async with db.write() as session:
        assert await tickets_repo.delete_owned(session, VERIFY, address=ALICE_MAIL) == 1
    assert await ids(db) == {other_kind.id, theirs.id}


# -- latest_live_owned


async def test_latest_live_owned_is_the_newest_live_ticket(db: Database, now: datetime) -> None:
    def at(minutes_ago: int, **overrides: Any) -> Ticket:
        values: dict[str, Any] = {"kind": CODE, "owner": ALICE_MAIL, "expires_at": now + timedelta(minutes=10)}
        return new_ticket(created_at=now - timedelta(minutes=minutes_ago), **{**values, **overrides})

    oldest, older = at(50), at(40)
    newer_used = at(30, consumed_at=now - timedelta(minutes=1))
    newer_expired = at(20, expires_at=now - timedelta(seconds=1))
    newest_expiring_now = at(10, expires_at=now)  # expires_at > now, strictly
    other_kind = at(1, kind=VERIFY)
    other_owner = at(1, owner="bob@example.com")
    await add(db, oldest, older, newer_used, newer_expired, newest_expiring_now, other_kind, other_owner)
    async with db.read() as session:
        got = await tickets_repo.latest_live_owned(session, CODE, now, address=ALICE_MAIL)
        assert got is not None and got.id == older.id
        earlier = await tickets_repo.latest_live_owned(session, CODE, now - timedelta(seconds=1), address=ALICE_MAIL)
        assert earlier is not None and earlier.id == newest_expiring_now.id
        assert await tickets_repo.latest_live_owned(session, CODE, now + timedelta(hours=1), address=ALICE_MAIL) is None
        assert await tickets_repo.latest_live_owned(session, CODE, now, address="nobody@example.com") is None


async def test_latest_live_owned_by_user_rereads_the_row(db: Database, make_user: MakeUser, now: datetime) -> None:
    alice = await make_user()
    ticket = new_ticket(user_id=alice.id, kind=RESET)
    await add(db, ticket)
    async with db.write() as session:
        first = await tickets_repo.latest_live_owned(session, RESET, now, user_id=alice.id)
        assert first is not None and first.id == ticket.id
        first.attempts = 42  # not flushed
        again = await tickets_repo.latest_live_owned(session, RESET, now, user_id=alice.id)
        assert again is first and again.attempts == 0


# -- created_since, count_owned_since


async def test_created_since_is_newest_first_and_includes_the_boundary(
    db: Database, make_user: MakeUser, now: datetime
) -> None:
    alice, bob = await make_user(), await make_user()
    times = [now - timedelta(minutes=m) for m in (30, 5, 20, 10)]
    mine = [new_ticket(user_id=alice.id, created_at=t) for t in times]
    # used and expired tickets still count: the send limit is about what was sent
    mine.append(new_ticket(user_id=alice.id, created_at=now - timedelta(minutes=15), consumed_at=now,
                           expires_at=now - timedelta(minutes=14)))
    too_old = new_ticket(user_id=alice.id, created_at=now - timedelta(minutes=31))
    noise = [new_ticket(user_id=alice.id, kind=RESET, created_at=now), new_ticket(user_id=bob.id, created_at=now)]
    await add(db, *mine, too_old, *noise)
    since = now - timedelta(minutes=30)
    async with db.read() as session:
        got = await tickets_repo.created_since(session, VERIFY, since, user_id=alice.id)
        count = await tickets_repo.count_owned_since(session, VERIFY, since, user_id=alice.id)
        assert await tickets_repo.created_since(session, VERIFY, now + timedelta(seconds=1), user_id=alice.id) == []
        assert await tickets_repo.count_owned_since(session, VERIFY, now + timedelta(seconds=1), user_id=alice.id) == 0
        assert await tickets_repo.count_owned_since(session, VERIFY, LONG_AGO, user_id=alice.id) == 6
    assert got == [now - timedelta(minutes=m) for m in (5, 10, 15, 20, 30)]
    assert all(t.tzinfo is not None for t in got)
    assert count == 5


async def test_created_since_and_count_by_address(db: Database, now: datetime) -> None:
    mine = [new_ticket(kind=CODE, owner=ALICE_MAIL, created_at=now - timedelta(seconds=s)) for s in (3, 1, 2)]
    theirs = new_ticket(kind=CODE, owner="bob@example.com", created_at=now)
    await add(db, *mine, theirs)
    since = now - timedelta(seconds=2)
    async with db.read() as session:
        assert await tickets_repo.created_since(session, CODE, since, address=ALICE_MAIL) == [
            now - timedelta(seconds=1), now - timedelta(seconds=2)]
        assert await tickets_repo.count_owned_since(session, CODE, since, address=ALICE_MAIL) == 2
        assert await tickets_repo.count_owned_since(session, CODE, since, address="bob@example.com") == 1
        assert await tickets_repo.count_owned_since(session, VERIFY, since, address=ALICE_MAIL) == 0


# -- delete_dead


async def test_delete_dead_drops_only_tickets_expired_or_used_before_the_cutoff(db: Database, now: datetime) -> None:
    cutoff = now - timedelta(days=1)
    later = now + timedelta(days=1)
    expired_before = new_ticket(expires_at=cutoff - timedelta(microseconds=1))
    used_before = new_ticket(expires_at=later, consumed_at=cutoff - timedelta(seconds=1))
    both_before = new_ticket(expires_at=cutoff - timedelta(hours=1), consumed_at=cutoff - timedelta(hours=2))
    kept = [
        new_ticket(expires_at=later),  # live
        new_ticket(created_at=cutoff - timedelta(days=30), expires_at=later),  # old but live
        new_ticket(expires_at=cutoff),  # expired exactly at the cutoff: strict boundary
        new_ticket(expires_at=later, consumed_at=cutoff),  # used exactly at the cutoff
        new_ticket(expires_at=cutoff + timedelta(seconds=1)),  # expired after the cutoff
        new_ticket(expires_at=later, consumed_at=cutoff + timedelta(seconds=1)),  # used after the cutoff
    ]
    await add(db, expired_before, used_before, both_before, *kept)
    async with db.write() as session:
        assert await tickets_repo.delete_dead(session, cutoff) == 3
        assert await tickets_repo.delete_dead(session, cutoff) == 0
    assert await ids(db) == {ticket.id for ticket in kept}


# -- the user's tickets go with the user


async def test_tickets_are_deleted_with_their_user(db: Database, make_user: MakeUser) -> None:
    user, other = await make_user(), await make_user()
    mine = [new_ticket(user_id=user.id), new_ticket(user_id=user.id, kind=RESET, owner=ALICE_MAIL)]
    theirs = new_ticket(user_id=other.id)
    unowned = new_ticket(owner=ALICE_MAIL)
    await add(db, *mine, theirs, unowned)
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == user.id))
    assert await ids(db) == {theirs.id, unowned.id}
