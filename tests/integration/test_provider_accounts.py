"""The linking rules of social sign-in (methods/providers/accounts.py), on SQLite and PostgreSQL.

Which user a provider identity opens, when it may join an existing account (a verified address only),
when it creates one, and when linking is refused; and the provider tokens kept encrypted, read once.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from authward.errors import AuthError, ErrorCode
from authward.methods.providers.accounts import ProviderAccounts
from authward.methods.providers.profiles import ProviderProfile
from authward.methods.providers.provider_tokens import ProviderSession, ProviderTokenVault
from authward.methods.providers.state import Flow
from authward.security.secretbox import SecretBox
from authward.services.users import ProfileOptions, new_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import provider_links as links_repo
from authward.storage.repos import users as users_repo
from tests.support import TEST_SECRET_KEY, cheap_settings


def settings_for(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    return cheap_settings(tmp_path / "data", database_url, **overrides)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


def profile(email: str | None, verified: bool, provider_id: str | None = None) -> ProviderProfile:
    return ProviderProfile(provider_id or uuid.uuid4().hex, email, verified, "Pro Vider", "https://avatar.example/1")


async def add_user(db: Database, settings: Settings, email: str, *, verified: bool = True,
                   password_hash: str | None = "x") -> User:
    user = new_user(settings, ProfileOptions(), email=email)
    user.email_verified = verified
    user.password_hash = password_hash
    async with db.write() as session:
        await users_repo.add(session, user)
    return user


async def resolve(db: Database, accounts: ProviderAccounts, found: ProviderProfile, flow: Flow = Flow.SIGN_IN,
                  provider: str = "github") -> Any:
    async with db.write() as session:
        return await accounts.resolve(session, provider, found, flow, ProfileOptions())


def address() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


async def test_a_new_identity_creates_a_user_and_signs_it_in_again(database: Database, tmp_path: Path,
                                                                     database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    accounts = ProviderAccounts(settings)
    found = profile(address(), verified=True)
    first = await resolve(database, accounts, found)
    assert first.created and first.user.email == found.email and first.user.email_verified
    assert first.user.display_name == "Pro Vider" and first.user.avatar_url == "https://avatar.example/1"
    again = await resolve(database, accounts, found)
    assert not again.created and again.user.id == first.user.id and again.link.id == first.link.id
    with pytest.raises(AuthError) as refused:
        await resolve(database, accounts, found, Flow.SIGN_UP)
    assert refused.value.code is ErrorCode.USER_ALREADY_EXISTS


async def test_a_verified_address_joins_the_existing_account_and_proves_it(database: Database, tmp_path: Path,
                                                                             database_url: str) -> None:
    settings = settings_for(tmp_path, database_url, email_verification_required=True)
    email = address()
    squatter = await add_user(database, settings, email, verified=False, password_hash="set-by-a-squatter")
    resolved = await resolve(database, ProviderAccounts(settings), profile(email, verified=True))
    assert not resolved.created and resolved.user.id == squatter.id
    async with database.read() as session:
        user = await users_repo.get(session, squatter.id)
        assert user is not None and user.email_verified and user.password_hash is None  # the hijack loses its way in
        assert [link.provider for link in await links_repo.of_user(session, squatter.id)] == ["github"]


@pytest.mark.parametrize("flow", [Flow.SIGN_IN, Flow.SIGN_UP])
async def test_an_unverified_address_never_joins_an_existing_account(database: Database, tmp_path: Path,
                                                                       database_url: str, flow: Flow) -> None:
    settings = settings_for(tmp_path, database_url)
    email = address()
    owner = await add_user(database, settings, email)
    with pytest.raises(AuthError) as refused:
        await resolve(database, ProviderAccounts(settings), profile(email, verified=False), flow)
    assert refused.value.code is ErrorCode.USER_ALREADY_EXISTS
    async with database.read() as session:
        assert await links_repo.of_user(session, owner.id) == []


async def test_sign_up_switches(database: Database, tmp_path: Path, database_url: str) -> None:
    no_auto = ProviderAccounts(settings_for(tmp_path, database_url, disable_auto_signup=True))
    with pytest.raises(AuthError) as refused:
        await resolve(database, no_auto, profile(address(), verified=True))
    assert refused.value.code is ErrorCode.INVALID_EMAIL_PASSWORD
    assert (await resolve(database, no_auto, profile(address(), verified=True), Flow.SIGN_UP)).created
    closed = ProviderAccounts(settings_for(tmp_path, database_url, disable_signup=True))
    with pytest.raises(AuthError) as refused:
        await resolve(database, closed, profile(address(), verified=True), Flow.SIGN_UP)
    assert refused.value.code is ErrorCode.SIGNUP_DISABLED


async def test_no_address_or_an_unverified_one_makes_a_user_without_proof(database: Database, tmp_path: Path,
                                                                            database_url: str) -> None:
    accounts = ProviderAccounts(settings_for(tmp_path, database_url))
    anonymousish = await resolve(database, accounts, profile(None, verified=False))
    assert anonymousish.created and anonymousish.user.email is None
    unverified = await resolve(database, accounts, profile(address(), verified=False))
    assert unverified.created and unverified.user.email_verified is False


async def test_linking_to_a_signed_in_user(database: Database, tmp_path: Path, database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    accounts = ProviderAccounts(settings)
    alice = await add_user(database, settings, address())
    bob = await add_user(database, settings, address())
    identity = profile(address(), verified=False)
    async with database.write() as session:
        link = await accounts.link_to(session, alice, "google", identity)
        assert (await accounts.link_to(session, alice, "google", identity)).id == link.id  # idempotent
    async with database.write() as session:
        with pytest.raises(AuthError) as refused:
            await accounts.link_to(session, bob, "google", identity)
    assert refused.value.code is ErrorCode.PROVIDER_ACCOUNT_ALREADY_LINKED


async def test_provider_tokens_are_encrypted_and_read_once(database: Database, tmp_path: Path,
                                                           database_url: str) -> None:
    settings = settings_for(tmp_path, database_url)
    vault = ProviderTokenVault(SecretBox(TEST_SECRET_KEY))
    resolved = await resolve(database, ProviderAccounts(settings), profile(address(), verified=True))
    expires = datetime(2030, 1, 1, tzinfo=UTC)
    async with database.write() as session:
        link = await links_repo.find(session, "github", resolved.link.provider_user_id)
        assert link is not None
        vault.store(link, ProviderSession("provider-access-token", 3600, expires, "provider-refresh-token"))
    async with database.write() as session:
        link = await links_repo.find(session, "github", resolved.link.provider_user_id)
        assert link is not None and link.access_token_encrypted is not None
        assert b"provider-access-token" not in link.access_token_encrypted
        assert link.refresh_token_encrypted is not None and b"provider-refresh" not in link.refresh_token_encrypted
        taken = vault.take(link)
    assert taken == ProviderSession("provider-access-token", 3600, expires, "provider-refresh-token")
    async with database.read() as session:
        link = await links_repo.find(session, "github", resolved.link.provider_user_id)
        assert link is not None and vault.take(link) is None
