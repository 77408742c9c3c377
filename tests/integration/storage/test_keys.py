"""Contract of storage/repos/keys.py on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from authward.storage.db import Database
from authward.storage.models import SigningKey
from authward.storage.repos import keys as keys_repo
from tests.integration.storage.rows import new_signing_key


async def add(db: Database, *keys: SigningKey) -> None:
    async with db.write() as session:
        for key in keys:
            await keys_repo.add(session, key)


async def stored(db: Database) -> dict[str, SigningKey]:
    async with db.read() as session:
        return {key.kid: key for key in (await session.scalars(select(SigningKey))).all()}


async def live_kids(db: Database, now: datetime) -> list[str]:
    async with db.read() as session:
        return [key.kid for key in await keys_repo.live_keys(session, now)]


async def test_add_then_live_keys_round_trips(db: Database, now: datetime) -> None:
    key = new_signing_key(algorithm="ES256", public_jwk={"kty": "EC", "crv": "P-256", "x": "a", "y": "b"},
                          private_key_encrypted=b"\x00\x80binary\xff", created_at=now)
    await add(db, key)
    async with db.read() as session:
        [got] = await keys_repo.live_keys(session, now)
    assert (got.kid, got.algorithm) == (key.kid, "ES256")
    assert got.public_jwk == {"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}
    assert got.private_key_encrypted == b"\x00\x80binary\xff"
    assert got.created_at == now and got.created_at.tzinfo is not None
    assert (got.retired_at, got.expires_at) == (None, None)


async def test_duplicate_kid_is_refused(db: Database) -> None:
    key = new_signing_key()
    await add(db, key)
    with pytest.raises(IntegrityError):
        await add(db, new_signing_key(kid=key.kid))


async def test_live_keys_exclude_expired_keys_newest_first(db: Database, now: datetime) -> None:
    oldest = new_signing_key(created_at=now - timedelta(days=3), retired_at=now - timedelta(days=2),
                             expires_at=now + timedelta(hours=1))
    expired = new_signing_key(created_at=now - timedelta(days=5), retired_at=now - timedelta(days=4),
                              expires_at=now - timedelta(seconds=1))
    expiring_now = new_signing_key(created_at=now - timedelta(days=4), retired_at=now - timedelta(days=3),
                                   expires_at=now)
    middle = new_signing_key(created_at=now - timedelta(days=2))
    newest = new_signing_key(created_at=now - timedelta(days=1))
    await add(db, oldest, expired, expiring_now, middle, newest)
    assert await live_kids(db, now) == [newest.kid, middle.kid, oldest.kid]
    assert await live_kids(db, now + timedelta(hours=2)) == [newest.kid, middle.kid]


async def test_retire_active_retires_every_other_unretired_key(db: Database, now: datetime) -> None:
    earlier_retired, earlier_expiry = now - timedelta(days=1), now + timedelta(minutes=1)
    previous = new_signing_key(created_at=now - timedelta(days=2))
    other_algorithm = new_signing_key(algorithm="EdDSA", created_at=now - timedelta(days=2))
    retired = new_signing_key(created_at=now - timedelta(days=3), retired_at=earlier_retired, expires_at=earlier_expiry)
    current = new_signing_key(created_at=now)
    await add(db, previous, other_algorithm, retired, current)
    expires = now + timedelta(minutes=20)
    async with db.write() as session:
        assert await keys_repo.retire_active(session, now, expires, current.kid) == 2
    keys = await stored(db)
    for kid in (previous.kid, other_algorithm.kid):
        assert (keys[kid].retired_at, keys[kid].expires_at) == (now, expires)
    assert (keys[retired.kid].retired_at, keys[retired.kid].expires_at) == (earlier_retired, earlier_expiry)
    assert (keys[current.kid].retired_at, keys[current.kid].expires_at) == (None, None)
    async with db.write() as session:
        assert await keys_repo.retire_active(session, now, expires, current.kid) == 0


async def test_retired_keys_stay_live_until_they_expire(db: Database, now: datetime) -> None:
    previous = new_signing_key(created_at=now - timedelta(days=1))
    current = new_signing_key(created_at=now)
    await add(db, previous, current)
    async with db.write() as session:
        await keys_repo.retire_active(session, now, now + timedelta(minutes=20), current.kid)
    assert await live_kids(db, now + timedelta(minutes=19)) == [current.kid, previous.kid]
    assert await live_kids(db, now + timedelta(minutes=20)) == [current.kid]
