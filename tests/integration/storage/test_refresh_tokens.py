"""Contract of storage/repos/refresh_tokens.py on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from authward.storage.db import Database, DriverTransaction
from authward.storage.models import RefreshToken, User
from authward.storage.repos import refresh_tokens as tokens_repo
from tests.integration.storage.conftest import Concurrently, MakeUser
from tests.integration.storage.rows import new_refresh_token


async def add(db: Database, *tokens: RefreshToken) -> None:
    async with db.write() as session:
        for token in tokens:
            await tokens_repo.add(session, token)


async def statuses(db: Database, *tokens: RefreshToken) -> list[str]:
    async with db.read() as session:
        rows = {row.id: row.status for row in (await session.scalars(select(RefreshToken))).all()}
    return [rows[token.id] for token in tokens]


async def test_add_then_get_by_hash_round_trips(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    parent_id = uuid.uuid4()
    token = new_refresh_token(
        user.id, parent_id=parent_id, amr=["pwd", "otp"], user_agent="curl/8", created_at=now, auth_time=now,
        expires_at=now + timedelta(days=1), family_expires_at=now + timedelta(days=2),
    )
    await add(db, token)
    async with db.read() as session:
        got = await tokens_repo.get_by_hash(session, token.token_hash)
        assert await tokens_repo.get_by_hash(session, "0" * 64) is None
    assert got is not None
    assert (got.id, got.family_id, got.parent_id, got.user_id) == (token.id, token.family_id, parent_id, user.id)
    assert (got.status, got.amr, got.user_agent, got.rotated_at) == ("active", ["pwd", "otp"], "curl/8", None)
    assert (got.created_at, got.auth_time) == (now, now)
    assert got.expires_at == now + timedelta(days=1) and got.expires_at.tzinfo is not None
    assert got.family_expires_at == now + timedelta(days=2)


async def test_get_by_hash_rereads_a_row_already_in_the_session(db: Database, make_user: MakeUser) -> None:
    user = await make_user()
    token = new_refresh_token(user.id)
    await add(db, token)
    async with db.write() as session:
        cached = await tokens_repo.get_by_hash(session, token.token_hash)
        assert cached is not None
        cached.status = "unflushed"
        again = await tokens_repo.get_by_hash(session, token.token_hash)
        assert again is cached and again.status == "active"


async def test_duplicate_token_hash_is_refused(db: Database, make_user: MakeUser) -> None:
    user = await make_user()
    first = new_refresh_token(user.id)
    await add(db, first)
    with pytest.raises(IntegrityError):
        await add(db, new_refresh_token(user.id, token_hash=first.token_hash))


async def test_token_of_an_unknown_user_is_refused(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await add(db, new_refresh_token(uuid.uuid4()))


async def test_claim_for_rotation_succeeds_exactly_once(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    token = new_refresh_token(user.id)
    await add(db, token)
    async with db.write() as session:
        assert await tokens_repo.claim_for_rotation(session, token.id, now) is True
    async with db.write() as session:
        assert await tokens_repo.claim_for_rotation(session, token.id, now + timedelta(seconds=1)) is False
        assert await tokens_repo.claim_for_rotation(session, uuid.uuid4(), now) is False
    async with db.read() as session:
        got = await tokens_repo.get_by_hash(session, token.token_hash)
    assert got is not None and (got.status, got.rotated_at) == ("rotated", now)


async def test_claim_for_rotation_refuses_a_revoked_token(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    token = new_refresh_token(user.id, status="revoked")
    await add(db, token)
    async with db.write() as session:
        assert await tokens_repo.claim_for_rotation(session, token.id, now) is False
    assert await statuses(db, token) == ["revoked"]


async def test_concurrent_claims_have_one_winner(
    db: Database, make_user: MakeUser, concurrently: Concurrently, now: datetime
) -> None:
    user = await make_user()
    token = new_refresh_token(user.id)
    await add(db, token)
    results = await concurrently(4, lambda session: tokens_repo.claim_for_rotation(session, token.id, now))
    assert sorted(results) == [False, False, False, True]


async def test_lock_family_takes_an_advisory_lock_on_postgresql_only(db: Database) -> None:
    extremes = [uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1), uuid.UUID(int=(1 << 63)), uuid.uuid4()]
    async with db.write() as session:
        answers = [await tokens_repo.lock_family(session, family) for family in extremes]
        answers.append(await tokens_repo.lock_family(session, extremes[-1]))  # re-entrant
    assert answers == [not db.is_sqlite] * 5


async def test_revoke_family_revokes_every_live_member_of_that_family_only(
    db: Database, make_user: MakeUser
) -> None:
    user = await make_user()
    family, other_family = uuid.uuid4(), uuid.uuid4()
    rotated = new_refresh_token(user.id, family_id=family, status="rotated")
    active = new_refresh_token(user.id, family_id=family, parent_id=rotated.id)
    already = new_refresh_token(user.id, family_id=family, status="revoked")
    bystander = new_refresh_token(user.id, family_id=other_family)
    await add(db, rotated, active, already, bystander)
    async with db.write() as session:
        assert await tokens_repo.revoke_family(session, family) == 2
    assert await statuses(db, rotated, active, already, bystander) == ["revoked", "revoked", "revoked", "active"]
    async with db.write() as session:
        assert await tokens_repo.revoke_family(session, family) == 0
        assert await tokens_repo.revoke_family(session, uuid.uuid4()) == 0


async def test_revoke_family_after_the_caller_locked_it(db: Database, make_user: MakeUser) -> None:
    user = await make_user()
    token = new_refresh_token(user.id)
    await add(db, token)
    async with db.write() as session:
        await tokens_repo.lock_family(session, token.family_id)
        assert await tokens_repo.revoke_family(session, token.family_id) == 1


async def test_revoke_all_for_user_spares_other_users(db: Database, make_user: MakeUser) -> None:
    user, other = await make_user(), await make_user()
    first = new_refresh_token(user.id)
    first_child = new_refresh_token(user.id, family_id=first.family_id, parent_id=first.id)
    second = new_refresh_token(user.id)
    revoked = new_refresh_token(user.id, status="revoked")
    theirs = new_refresh_token(other.id)
    await add(db, first, first_child, second, revoked, theirs)
    async with db.write() as session:
        assert await tokens_repo.revoke_all_for_user(session, user.id) == 3
    assert await statuses(db, first, first_child, second, revoked, theirs) == ["revoked"] * 4 + ["active"]
    async with db.write() as session:
        assert await tokens_repo.revoke_all_for_user(session, user.id) == 0


async def test_delete_expired_deletes_only_expired_rows(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    expired = new_refresh_token(user.id, expires_at=now - timedelta(seconds=1))
    long_expired = new_refresh_token(user.id, expires_at=now - timedelta(days=9), status="rotated")
    at_now = new_refresh_token(user.id, expires_at=now)
    live = new_refresh_token(user.id, expires_at=now + timedelta(seconds=1))
    await add(db, expired, long_expired, at_now, live)
    async with db.write() as session:
        assert await tokens_repo.delete_expired(session, now) == 2
    async with db.read() as session:
        left = set((await session.scalars(select(RefreshToken.id))).all())
    assert left == {at_now.id, live.id}


async def test_live_families_with_amr(db: Database, make_user: MakeUser) -> None:
    user, other = await make_user(), await make_user()
    pat_family = uuid.uuid4()
    pat_a = new_refresh_token(user.id, family_id=pat_family, amr=["pat"])
    pat_b = new_refresh_token(user.id, family_id=pat_family, amr=["pat"])  # two live rows, one family
    mixed = new_refresh_token(user.id, amr=["pwd", "pat"])
    password = new_refresh_token(user.id, amr=["pwd"])
    empty = new_refresh_token(user.id, amr=[])
    rotated = new_refresh_token(user.id, amr=["pat"], status="rotated")
    revoked = new_refresh_token(user.id, amr=["pat"], status="revoked")
    theirs = new_refresh_token(other.id, amr=["pat"])
    await add(db, pat_a, pat_b, mixed, password, empty, rotated, revoked, theirs)
    async with db.read() as session:
        families = await tokens_repo.live_families_with_amr(session, user.id, "pat")
        assert await tokens_repo.live_families_with_amr(session, user.id, "otp") == []
    assert sorted(families) == sorted([pat_family, mixed.family_id])


async def test_tokens_are_deleted_with_their_user(db: Database, make_user: MakeUser) -> None:
    user, other = await make_user(), await make_user()
    mine, theirs = new_refresh_token(user.id), new_refresh_token(other.id)
    await add(db, mine, theirs)
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == user.id))
    async with db.read() as session:
        assert await tokens_repo.get_by_hash(session, mine.token_hash) is None
        assert await tokens_repo.get_by_hash(session, theirs.token_hash) is not None


def _row_values(token: RefreshToken) -> dict[str, object]:
    return {column.key: getattr(token, column.key) for column in RefreshToken.__table__.columns}


async def test_claim_active_then_insert_commit_together(db: Database, make_user: MakeUser, now: datetime) -> None:
    """The refresh fast path: the parent is claimed once, its successor stored, in one driver transaction."""
    user = await make_user()
    parent = new_refresh_token(user.id, expires_at=now + timedelta(days=1), family_expires_at=now + timedelta(days=2))
    await add(db, parent)
    child = new_refresh_token(user.id, family_id=parent.family_id, parent_id=parent.id, amr=["pwd"],
                              expires_at=now + timedelta(days=1), family_expires_at=parent.family_expires_at)
    async def rotate(tx: DriverTransaction) -> Any:
        claimed = await tokens_repo.claim_active(tx, parent.token_hash, None, now)
        await tokens_repo.insert_row(tx, _row_values(child))
        return claimed

    claimed = await db.driver_transaction(rotate)
    assert claimed is not None and claimed.id == parent.id and claimed.status == "rotated"
    assert claimed.family_expires_at == parent.family_expires_at  # UTC datetimes survive the driver
    # claimed already: a second claim finds nothing
    assert await db.driver_transaction(lambda tx: tokens_repo.claim_active(tx, parent.token_hash, None, now)) is None
    assert await statuses(db, parent, child) == ["rotated", "active"]
    async with db.read() as session:
        stored = await tokens_repo.get_by_hash(session, child.token_hash)
    assert stored is not None and stored.amr == ["pwd"] and stored.parent_id == parent.id


async def test_a_failed_driver_transaction_leaves_nothing(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    parent = new_refresh_token(user.id, expires_at=now + timedelta(days=1), family_expires_at=now + timedelta(days=2))
    await add(db, parent)
    child = new_refresh_token(user.id, family_id=parent.family_id, expires_at=now + timedelta(days=1),
                              family_expires_at=parent.family_expires_at)

    async def fails_after_its_writes(tx: DriverTransaction) -> None:
        assert await tokens_repo.claim_active(tx, parent.token_hash, None, now) is not None
        await tokens_repo.insert_row(tx, _row_values(child))
        raise RuntimeError("the request fails after its writes")

    with pytest.raises(RuntimeError):
        await db.driver_transaction(fails_after_its_writes)
    assert await statuses(db, parent) == ["active"]
    async with db.read() as session:
        assert await tokens_repo.get_by_hash(session, child.token_hash) is None
    # the connection is usable again (no transaction left open)
    assert await db.driver_transaction(lambda tx: tokens_repo.claim_active(tx, parent.token_hash, None, now)) is not None


async def test_jobs_committed_together_fail_alone(db: Database, make_user: MakeUser, now: datetime) -> None:
    """Parallel jobs share transactions on SQLite (storage/group_commit.py): one job's failure rolls back its
    own writes only; the same token claimed by several jobs at once is claimed exactly once."""
    user = await make_user()
    parents = [new_refresh_token(user.id, expires_at=now + timedelta(days=1), family_expires_at=now + timedelta(days=2))
               for _ in range(6)]
    await add(db, *parents)
    children = [new_refresh_token(user.id, family_id=p.family_id, parent_id=p.id, expires_at=now + timedelta(days=1),
                                  family_expires_at=p.family_expires_at) for p in parents]

    def rotate(parent: RefreshToken, child: RefreshToken, fail: bool) -> Any:
        async def job(tx: DriverTransaction) -> Any:
            claimed = await tokens_repo.claim_active(tx, parent.token_hash, None, now)
            if claimed is None:
                return None
            await tokens_repo.insert_row(tx, _row_values(child))
            if fail:
                raise ValueError(parent.id)
            return claimed.id
        return db.driver_transaction(job)

    outcomes = await asyncio.gather(*(rotate(p, c, fail=n % 2 == 1) for n, (p, c) in enumerate(zip(parents, children))),
                                    return_exceptions=True)
    assert outcomes[0::2] == [parents[n].id for n in (0, 2, 4)]
    assert all(isinstance(o, ValueError) for o in outcomes[1::2])
    assert await statuses(db, *parents) == ["rotated", "active"] * 3
    assert await statuses(db, *children[0::2]) == ["active"] * 3
    async with db.read() as session:
        assert [await tokens_repo.get_by_hash(session, c.token_hash) for c in children[1::2]] == [None] * 3

    twice = [new_refresh_token(user.id, family_id=parents[1].family_id, expires_at=now + timedelta(days=1),
                               family_expires_at=parents[1].family_expires_at) for _ in range(10)]
    claims = await asyncio.gather(*(rotate(parents[1], child, fail=False) for child in twice))
    assert [c for c in claims if c is not None] == [parents[1].id]  # one winner, nine found it claimed


async def test_claim_active_refuses_another_owner_and_an_expired_token(
    db: Database, make_user: MakeUser, now: datetime
) -> None:
    user = await make_user()
    expired = new_refresh_token(user.id, expires_at=now - timedelta(seconds=1), family_expires_at=now + timedelta(days=2))
    first_party = new_refresh_token(user.id, expires_at=now + timedelta(days=1),
                                    family_expires_at=now + timedelta(days=2))
    await add(db, expired, first_party)
    async def claims(tx: DriverTransaction) -> list[Any]:
        return [await tokens_repo.claim_active(tx, expired.token_hash, None, now),
                await tokens_repo.claim_active(tx, first_party.token_hash, "some-client", now)]

    assert await db.driver_transaction(claims) == [None, None]
    assert await statuses(db, expired, first_party) == ["active", "active"]
