"""Contract of storage/repos/credentials.py on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from authward.storage.db import Database
from authward.storage.models import Credential, User
from authward.storage.repos import credentials as credentials_repo
from tests.integration.storage.conftest import Concurrently, MakeUser
from tests.integration.storage.rows import new_credential


async def add(db: Database, *credentials: Credential) -> None:
    async with db.write() as session:
        await credentials_repo.add_all(session, credentials)


async def stored(db: Database, credential_id: uuid.UUID) -> Credential | None:
    async with db.read() as session:
        return await session.get(Credential, credential_id)


async def test_add_then_get_round_trips(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    credential = new_credential(
        user.id, "totp", data={"digits": 6, "pending": True}, secret_encrypted=b"\x00\xffseed", created_at=now
    )
    async with db.write() as session:
        assert await credentials_repo.add(session, credential) is credential
    async with db.read() as session:
        got = await credentials_repo.get(session, user.id, "totp")
        assert await credentials_repo.get(session, user.id, "webauthn") is None
        assert await credentials_repo.get(session, uuid.uuid4(), "totp") is None
    assert got is not None and got.id == credential.id
    assert (got.data, got.secret_encrypted, got.identifier) == ({"digits": 6, "pending": True}, b"\x00\xffseed", None)
    assert got.created_at == now and got.created_at.tzinfo is not None and got.last_used_at is None


async def test_type_and_identifier_are_unique_across_users(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    await add(db, new_credential(alice.id, "webauthn", identifier="cred-id-1"))
    with pytest.raises(IntegrityError):
        await add(db, new_credential(bob.id, "webauthn", identifier="cred-id-1"))
    with pytest.raises(IntegrityError):
        await add(db, new_credential(alice.id, "webauthn", identifier="cred-id-1"))
    await add(db, new_credential(bob.id, "recovery_code", identifier="cred-id-1"))  # another type: fine


async def test_credentials_without_identifier_do_not_collide(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    await add(db, new_credential(alice.id, "totp"), new_credential(bob.id, "totp"))
    async with db.read() as session:
        assert await credentials_repo.get(session, alice.id, "totp") is not None
        assert await credentials_repo.get(session, bob.id, "totp") is not None


async def test_add_all_is_all_or_nothing_within_the_unit_of_work(db: Database, make_user: MakeUser) -> None:
    user = await make_user()
    codes = [new_credential(user.id, "recovery_code", identifier=f"digest-{i}") for i in range(3)]
    await add(db, *codes)
    fresh = new_credential(user.id, "recovery_code", identifier="digest-new")
    with pytest.raises(IntegrityError):
        await add(db, fresh, new_credential(user.id, "recovery_code", identifier="digest-1"))
    assert await stored(db, fresh.id) is None
    async with db.read() as session:
        assert await credentials_repo.count_unused(session, user.id, "recovery_code") == 3


async def test_credential_of_an_unknown_user_is_refused(db: Database) -> None:
    with pytest.raises(IntegrityError):
        await add(db, new_credential(uuid.uuid4(), "totp"))


async def test_get_for_update_reads_the_stored_row(db: Database, make_user: MakeUser) -> None:
    user = await make_user()
    credential = new_credential(user.id, "totp", data={"pending": True})
    await add(db, credential)
    async with db.write() as session:
        cached = await credentials_repo.get(session, user.id, "totp")
        assert cached is not None
        cached.data = {"unflushed": True}
        locked = await credentials_repo.get_for_update(session, user.id, "totp")
        assert locked is cached and locked.data == {"pending": True}
        assert await credentials_repo.get_for_update(session, user.id, "webauthn") is None
        assert await credentials_repo.get_for_update(session, uuid.uuid4(), "totp") is None


async def test_find_by_identifier_is_scoped_to_user_and_type(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    code = new_credential(alice.id, "recovery_code", identifier="abc")
    await add(db, code, new_credential(alice.id, "webauthn", identifier="xyz"))
    async with db.read() as session:
        found = await credentials_repo.find_by_identifier(session, alice.id, "recovery_code", "abc")
        assert found is not None and found.id == code.id
        assert await credentials_repo.find_by_identifier(session, bob.id, "recovery_code", "abc") is None
        assert await credentials_repo.find_by_identifier(session, alice.id, "webauthn", "abc") is None
        assert await credentials_repo.find_by_identifier(session, alice.id, "recovery_code", "xyz") is None


async def test_set_data_with_and_without_last_used(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    credential = new_credential(user.id, "webauthn", identifier="k1", data={"sign_count": 1})
    await add(db, credential)
    async with db.write() as session:
        await credentials_repo.set_data(session, credential.id, {"sign_count": 2}, last_used_at=now)
    got = await stored(db, credential.id)
    assert got is not None and (got.data, got.last_used_at) == ({"sign_count": 2}, now)
    async with db.write() as session:
        await credentials_repo.set_data(session, credential.id, {"sign_count": 3})
    got = await stored(db, credential.id)
    assert got is not None and (got.data, got.last_used_at) == ({"sign_count": 3}, now)  # kept


async def test_set_data_for_user_touches_that_user_and_type_only(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    mine = [new_credential(alice.id, "recovery_code", identifier=f"a{i}", data={"pending": True}) for i in range(2)]
    totp = new_credential(alice.id, "totp", data={"pending": True})
    theirs = new_credential(bob.id, "recovery_code", identifier="b0", data={"pending": True})
    await add(db, *mine, totp, theirs)
    async with db.write() as session:
        assert await credentials_repo.set_data_for_user(session, alice.id, "recovery_code", {"pending": False}) == 2
        assert await credentials_repo.set_data_for_user(session, alice.id, "webauthn", {}) == 0
    async with db.read() as session:
        datas = {row.id: row.data for row in await session.execute(select(Credential.id, Credential.data))}
    assert [datas[c.id] for c in (*mine, totp, theirs)] == [{"pending": False}] * 2 + [{"pending": True}] * 2


async def test_mark_used_once_succeeds_exactly_once(db: Database, make_user: MakeUser, now: datetime) -> None:
    user = await make_user()
    credential = new_credential(user.id, "recovery_code", identifier="once")
    await add(db, credential)
    async with db.write() as session:
        assert await credentials_repo.mark_used_once(session, credential.id, now) is True
    async with db.write() as session:
        assert await credentials_repo.mark_used_once(session, credential.id, now + timedelta(seconds=1)) is False
        assert await credentials_repo.mark_used_once(session, uuid.uuid4(), now) is False
    got = await stored(db, credential.id)
    assert got is not None and got.last_used_at == now


async def test_concurrent_marks_have_one_winner(
    db: Database, make_user: MakeUser, concurrently: Concurrently, now: datetime
) -> None:
    user = await make_user()
    credential = new_credential(user.id, "recovery_code", identifier="raced")
    await add(db, credential)
    results = await concurrently(4, lambda session: credentials_repo.mark_used_once(session, credential.id, now))
    assert sorted(results) == [False, False, False, True]


async def test_count_unused(db: Database, make_user: MakeUser, now: datetime) -> None:
    alice, bob = await make_user(), await make_user()
    await add(
        db,
        *[new_credential(alice.id, "recovery_code", identifier=f"a{i}") for i in range(3)],
        new_credential(alice.id, "recovery_code", identifier="used", last_used_at=now),
        new_credential(alice.id, "totp"),
        new_credential(bob.id, "recovery_code", identifier="b0"),
    )
    async with db.read() as session:
        assert await credentials_repo.count_unused(session, alice.id, "recovery_code") == 3
        assert await credentials_repo.count_unused(session, bob.id, "recovery_code") == 1
        assert await credentials_repo.count_unused(session, bob.id, "totp") == 0


async def test_delete_for_user_deletes_the_listed_types_of_that_user(db: Database, make_user: MakeUser) -> None:
    alice, bob = await make_user(), await make_user()
    totp, webauthn = new_credential(alice.id, "totp"), new_credential(alice.id, "webauthn", identifier="w")
    codes = [new_credential(alice.id, "recovery_code", identifier=f"a{i}") for i in range(2)]
    theirs = new_credential(bob.id, "totp")
    await add(db, totp, webauthn, *codes, theirs)
    async with db.write() as session:
        assert await credentials_repo.delete_for_user(session, alice.id, []) == 0
        assert await credentials_repo.delete_for_user(session, alice.id, ["totp", "recovery_code"]) == 3
    async with db.read() as session:
        left = set((await session.scalars(select(Credential.id))).all())
    assert left == {webauthn.id, theirs.id}


async def test_credentials_are_deleted_with_their_user(db: Database, make_user: MakeUser) -> None:
    user, other = await make_user(), await make_user()
    mine, theirs = new_credential(user.id, "totp"), new_credential(other.id, "totp")
    await add(db, mine, new_credential(user.id, "recovery_code", identifier="r"), theirs)
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == user.id))
    async with db.read() as session:
        left = set((await session.scalars(select(Credential.id))).all())
    assert left == {theirs.id}
