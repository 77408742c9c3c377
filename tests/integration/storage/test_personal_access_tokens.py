"""Contract of storage/repos/personal_access_tokens.py on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from authward.storage.db import Database
from authward.storage.models import PersonalAccessToken, User
from authward.storage.repos import personal_access_tokens as pats_repo
from tests.integration.storage.conftest import Concurrently, MakeUser
from tests.integration.storage.rows import new_pat


async def add(db: Database, *tokens: PersonalAccessToken) -> None:
    async with db.write() as session:
        for token in tokens:
            await pats_repo.add(session, token)


async def stored(db: Database, token: PersonalAccessToken) -> PersonalAccessToken | None:
    async with db.read() as session:
        return await pats_repo.get_by_hash(session, token.token_hash)


async def test_add_then_get_by_hash_round_trips(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    token = new_pat(user.id, created_at=now, expires_at=now + timedelta(days=7),
                    token_metadata={"name": "ci", "scopes": ["read"]})
    async with db.write() as session:
        assert await pats_repo.add(session, token) is token
    got = await stored(db, token)
    assert got is not None and (got.id, got.user_id) == (token.id, user.id)
    assert got.token_metadata == {"name": "ci", "scopes": ["read"]}
    assert (got.created_at, got.expires_at) == (now, now + timedelta(days=7))
    assert got.expires_at.tzinfo is not None and (got.revoked_at, got.last_used_at) == (None, None)
    async with db.read() as session:
        assert await pats_repo.get_by_hash(session, "f" * 64) is None


async def test_duplicate_token_hash_is_refused(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    token = new_pat(alice.id)
    await add(db, token)
    with pytest.raises(IntegrityError):
        await add(db, new_pat(bob.id, token_hash=token.token_hash))


async def test_token_of_an_unknown_user_is_refused(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await add(db, new_pat(uuid.uuid4()))


async def test_list_unrevoked_newest_first_including_expired(
    db: Database, make_user: MakeUser, now: datetime
) -> None:
    user, other = await make_user(), await make_user()
    expired = new_pat(user.id, created_at=now - timedelta(days=40), expires_at=now - timedelta(days=10))
    older = new_pat(user.id, created_at=now - timedelta(days=2))
    newest = new_pat(user.id, created_at=now - timedelta(days=1))
    revoked = new_pat(user.id, created_at=now, revoked_at=now)
    theirs = new_pat(other.id, created_at=now)
    await add(db, expired, older, newest, revoked, theirs)
    async with db.read() as session:
        listed = [token.id for token in await pats_repo.list_unrevoked(session, user.id)]
        assert await pats_repo.list_unrevoked(session, uuid.uuid4()) == []
    assert listed == [newest.id, older.id, expired.id]


async def test_revoke_succeeds_exactly_once(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    token = new_pat(user.id)
    await add(db, token)
    async with db.write() as session:
        assert await pats_repo.revoke(session, token.id, user.id, now) is True
    async with db.write() as session:
        assert await pats_repo.revoke(session, token.id, user.id, now + timedelta(seconds=1)) is False
        assert await pats_repo.revoke(session, uuid.uuid4(), user.id, now) is False
    got = await stored(db, token)
    assert got is not None and got.revoked_at == now
    async with db.read() as session:
        assert await pats_repo.list_unrevoked(session, user.id) == []


async def test_revoke_refuses_someone_elses_token(db: Database, make_user: MakeUser, now: datetime) -> None:
    owner, intruder = await make_user(), await make_user()
    token = new_pat(owner.id)
    await add(db, token)
    async with db.write() as session:
        assert await pats_repo.revoke(session, token.id, intruder.id, now) is False
    got = await stored(db, token)
    assert got is not None and got.revoked_at is None


async def test_concurrent_revokes_have_one_winner(
    db: Database, make_user: MakeUser, concurrently: Concurrently, now: datetime
) -> None:
    user = await make_user()
    token = new_pat(user.id)
    await add(db, token)
    results = await concurrently(4, lambda session: pats_repo.revoke(session, token.id, user.id, now))
    assert sorted(results) == [False, False, False, True]


async def test_owned_by(db: Database, make_user: MakeUser) -> None:
    owner, other = await make_user(), await make_user()
    token = new_pat(owner.id)
    await add(db, token)
    async with db.read() as session:
        assert await pats_repo.owned_by(session, token.id, owner.id) is True
        assert await pats_repo.owned_by(session, token.id, other.id) is False
        assert await pats_repo.owned_by(session, uuid.uuid4(), owner.id) is False


async def test_touch_last_used_changes_that_token_only(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    token, bystander = new_pat(user.id), new_pat(user.id)
    await add(db, token, bystander)
    async with db.write() as session:
        await pats_repo.touch_last_used(session, token.id, now)
    touched, untouched = await stored(db, token), await stored(db, bystander)
    assert touched is not None and touched.last_used_at == now
    assert untouched is not None and untouched.last_used_at is None


async def test_tokens_are_deleted_with_their_user(db: Database, make_user: MakeUser) -> None:
    user, other = await make_user(), await make_user()
    mine, theirs = new_pat(user.id), new_pat(other.id)
    await add(db, mine, theirs)
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == user.id))
    assert await stored(db, mine) is None
    assert await stored(db, theirs) is not None
