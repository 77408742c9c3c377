"""Contract of storage/repos/users.py on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from authward.storage.db import Database
from authward.storage.models import RefreshToken, User
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo
from tests.integration.storage.conftest import MakeUser
from tests.integration.storage.rows import new_refresh_token, new_user


async def test_add_then_get_round_trips_every_column(db: Database, now: datetime) -> None:
    user = new_user(
        email="alice@example.com", phone_number="+14155550100", display_name="Alice", locale="fr",
        roles=["user", "editor"], user_metadata={"plan": "pro", "n": 3}, created_at=now, updated_at=now,
        last_seen=now, password_hash="$argon2id$hash", is_anonymous=False,
    )
    async with db.write() as session:
        await users_repo.add(session, user)
    async with db.read() as session:
        got = await users_repo.get(session, user.id)
        missing = await users_repo.get(session, uuid.uuid4())
    assert got is not None and missing is None
    assert (got.email, got.phone_number, got.display_name, got.locale) == (
        "alice@example.com", "+14155550100", "Alice", "fr")
    assert got.roles == ["user", "editor"] and got.user_metadata == {"plan": "pro", "n": 3}
    assert got.password_hash == "$argon2id$hash" and got.default_role == "user"
    assert (got.disabled, got.email_verified, got.is_anonymous, got.active_mfa_type) == (False, False, False, None)
    for stamp in (got.created_at, got.updated_at, got.last_seen):
        assert stamp == now and stamp.utcoffset() == timedelta(0)


async def test_aware_datetimes_in_any_zone_come_back_as_the_same_instant_in_utc(db: Database) -> None:
    plus_two = datetime(2030, 6, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    user = new_user(created_at=plus_two, updated_at=plus_two)
    async with db.write() as session:
        await users_repo.add(session, user)
    async with db.read() as session:
        got = await users_repo.get(session, user.id)
    assert got is not None
    assert got.created_at == plus_two
    assert got.created_at.tzinfo == UTC and got.created_at.hour == 12


async def test_naive_datetimes_are_refused(db: Database) -> None:
    naive = datetime(2030, 6, 1, 12, 0)
    with pytest.raises(StatementError) as caught:
        async with db.write() as session:
            await users_repo.add(session, new_user(created_at=naive, updated_at=naive))
    assert isinstance(caught.value.orig, ValueError)


async def test_get_view_reads_like_a_user_and_sees_later_commits(db: Database, make_user: MakeUser) -> None:
    user = await make_user(display_name="Before", roles=["user"], user_metadata={"k": [1, 2]})
    view = await users_repo.get_view(db, user.id)
    assert view is not None
    assert (view.id, view.email, view.display_name) == (user.id, user.email, "Before")
    assert view.roles == ["user"] and view.user_metadata == {"k": [1, 2]}
    assert view.created_at == user.created_at and view.created_at.tzinfo is not None
    assert view.is_anonymous is False and view.disabled is False

    later = user.updated_at + timedelta(minutes=5)
    async with db.write() as session:
        await users_repo.set_password_hash(session, user.id, "new-hash", later)
    view = await users_repo.get_view(db, user.id)
    assert view.password_hash == "new-hash" and view.updated_at == later
    assert await users_repo.get_view(db, uuid.uuid4()) is None


async def test_duplicate_email_is_refused(db: Database, make_user: MakeUser) -> None:
    first = await make_user(email="taken@example.com")
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            await users_repo.add(session, new_user(email="taken@example.com"))
    async with db.read() as session:
        rows = (await session.scalars(select(User).where(User.email == "taken@example.com"))).all()
    assert [row.id for row in rows] == [first.id]


async def test_duplicate_phone_number_is_refused(db: Database, make_user: MakeUser) -> None:
    await make_user(phone_number="+14155550123")
    with pytest.raises(IntegrityError):
        async with db.write() as session:
            await users_repo.add(session, new_user(phone_number="+14155550123"))


async def test_many_users_may_have_no_email_and_no_phone(db: Database, make_user: MakeUser) -> None:
    a = await make_user(email=None, phone_number=None, is_anonymous=True)
    b = await make_user(email=None, phone_number=None, is_anonymous=True)
    async with db.read() as session:
        assert await users_repo.get(session, a.id) is not None
        assert await users_repo.get(session, b.id) is not None


async def test_get_by_email_matches_the_stored_normalised_address_exactly(db: Database, make_user: MakeUser) -> None:
    """The repository documents that callers pass the normalised (lower-case) address."""
    user = await make_user(email="bob@example.com", new_email="bob.next@example.com")
    async with db.read() as session:
        found = await users_repo.get_by_email(session, "bob@example.com")
        assert found is not None and found.id == user.id
        assert await users_repo.get_by_email(session, "Bob@Example.com") is None
        assert await users_repo.get_by_email(session, "bob.next@example.com") is None
        assert await users_repo.get_by_email(session, "nobody@example.com") is None


async def test_email_taken_counts_current_addresses_not_pending_ones(db: Database, make_user: MakeUser) -> None:
    """A pending change (`new_email`) reserves nothing: only a confirmed address is taken."""
    await make_user(email="carol@example.com", new_email="carol.new@example.com")
    async with db.read() as session:
        assert await users_repo.email_taken(session, "carol@example.com") is True
        assert await users_repo.email_taken(session, "carol.new@example.com") is False
        assert await users_repo.email_taken(session, "dave@example.com") is False


async def test_email_taken_by_other_ignores_the_user_themself(db: Database, make_user: MakeUser) -> None:
    me = await make_user(email="me@example.com", new_email="me.next@example.com")
    other = await make_user(email="other@example.com", new_email="other.next@example.com")
    async with db.read() as session:
        assert await users_repo.email_taken_by_other(session, "me@example.com", me.id) is False
        assert await users_repo.email_taken_by_other(session, "me.next@example.com", me.id) is False
        assert await users_repo.email_taken_by_other(session, "other@example.com", me.id) is True
        assert await users_repo.email_taken_by_other(session, "other.next@example.com", me.id) is False  # pending
        assert await users_repo.email_taken_by_other(session, "me@example.com", other.id) is True
        assert await users_repo.email_taken_by_other(session, "free@example.com", me.id) is False


async def test_get_by_phone(db: Database, make_user: MakeUser) -> None:
    user = await make_user(phone_number="+442071838750")
    await make_user(phone_number="+442071838751")
    async with db.read() as session:
        found = await users_repo.get_by_phone(session, "+442071838750")
        assert found is not None and found.id == user.id
        assert await users_repo.get_by_phone(session, "+442071838759") is None


async def test_set_password_hash_changes_only_that_user(db: Database, make_user: MakeUser) -> None:
    user = await make_user(password_hash="old")
    bystander = await make_user(password_hash="theirs")
    later = user.updated_at + timedelta(hours=1)
    async with db.write() as session:
        await users_repo.set_password_hash(session, user.id, "new", later)
    async with db.read() as session:
        got = await users_repo.get(session, user.id)
        other = await users_repo.get(session, bystander.id)
    assert got is not None and other is not None
    assert (got.password_hash, got.updated_at) == ("new", later)
    assert (other.password_hash, other.updated_at) == ("theirs", bystander.updated_at)


async def test_touch_last_seen(db: Database, make_user: MakeUser) -> None:
    user = await make_user(last_seen=None)
    seen = user.created_at + timedelta(minutes=7)
    async with db.write() as session:
        await users_repo.touch_last_seen(session, user.id, seen)
    async with db.read() as session:
        got = await users_repo.get(session, user.id)
    assert got is not None and got.last_seen == seen and got.updated_at == user.updated_at


async def test_set_active_mfa_type_sets_and_clears(db: Database, make_user: MakeUser) -> None:
    user = await make_user()
    t1, t2 = user.updated_at + timedelta(seconds=1), user.updated_at + timedelta(seconds=2)
    async with db.write() as session:
        await users_repo.set_active_mfa_type(session, user.id, "totp", t1)
    async with db.read() as session:
        got = await users_repo.get(session, user.id)
        assert got is not None and (got.active_mfa_type, got.updated_at) == ("totp", t1)
    async with db.write() as session:
        await users_repo.set_active_mfa_type(session, user.id, None, t2)
    async with db.read() as session:
        got = await users_repo.get(session, user.id)
        assert got is not None and (got.active_mfa_type, got.updated_at) == (None, t2)


async def test_get_for_update_reads_the_stored_row(db: Database, make_user: MakeUser) -> None:
    user = await make_user(display_name="Stored")
    async with db.write() as session:
        cached = await users_repo.get(session, user.id)
        assert cached is not None
        cached.display_name = "unflushed edit"
        locked = await users_repo.get_for_update(session, user.id)
        assert locked is cached and locked.display_name == "Stored"
        assert await users_repo.get_for_update(session, uuid.uuid4()) is None


async def test_delete_stale_anonymous_deletes_only_stale_anonymous_users(
    db: Database, make_user: MakeUser, now: datetime
) -> None:
    cutoff = now - timedelta(days=30)
    old, recent = now - timedelta(days=60), now - timedelta(days=1)
    stale_seen = await make_user(email=None, is_anonymous=True, created_at=old, last_seen=old)
    stale_never_seen = await make_user(email=None, is_anonymous=True, created_at=old, last_seen=None)
    old_but_active = await make_user(email=None, is_anonymous=True, created_at=old, last_seen=recent)
    young = await make_user(email=None, is_anonymous=True, created_at=recent, last_seen=None)
    at_cutoff = await make_user(email=None, is_anonymous=True, created_at=old, last_seen=cutoff)
    registered = await make_user(is_anonymous=False, created_at=old, last_seen=old)
    async with db.write() as session:
        token = await tokens_repo.add(session, new_refresh_token(stale_seen.id))

    async with db.write() as session:
        deleted = await users_repo.delete_stale_anonymous(session, cutoff)
    assert deleted == 2
    async with db.read() as session:
        for gone in (stale_seen, stale_never_seen):
            assert await users_repo.get(session, gone.id) is None
        for kept in (old_but_active, young, at_cutoff, registered):
            assert await users_repo.get(session, kept.id) is not None
        assert await session.get(RefreshToken, token.id) is None  # cascaded
    async with db.write() as session:
        assert await users_repo.delete_stale_anonymous(session, cutoff) == 0
