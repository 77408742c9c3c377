"""`authward users import`'s service: 10,000 users in each format, then sign-ins with their original passwords.

The files are generated (tests/user_exports.py) with real bcrypt hashes; the Nhost database is a real
PostgreSQL schema with Nhost's column names. Each import is followed by a re-import that must change nothing.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from authward.methods.totp.imports import totp_import
from authward.methods.totp.otp import code_at
from authward.services.user_import.auth0 import user_id_of
from authward.services.user_import.records import ImportSummary
from authward.services.user_import.sources import SourceFormat, read_source
from authward.services.user_import.writer import UserImporter
from authward.storage.models import Credential, ProviderLink, User
from tests.support import create_postgres_database, drop_postgres_database, postgres_available
from tests.user_exports import (
    TOTP_SECRET,
    email_of,
    fill_nhost_database,
    password_of,
    user_id,
    write_auth0,
    write_generic_csv,
    write_nhost_csv,
)

COUNT = 10_000
SAMPLE = (0, 1, 2, 5, 4_998, 9_999)  # users without TOTP: every bcrypt variant among them


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[SourceFormat, Path]:
    folder = tmp_path_factory.mktemp("exports")
    return {
        SourceFormat.AUTH0: write_auth0(folder / "auth0.ndjson", COUNT),
        SourceFormat.NHOST: write_nhost_csv(folder / "auth_users.csv", COUNT),
        SourceFormat.CSV: write_generic_csv(folder / "users.csv", COUNT),
    }


async def import_users(api: Any, source_format: SourceFormat, source: str, **options: Any) -> ImportSummary:
    core = api.core
    importer = UserImporter(core.db, core.settings, core.hasher, totp_import(core.box))
    return await importer.run(read_source(source_format, source), **options)


async def snapshot(api: Any) -> tuple[list[Any], list[Any], list[Any]]:
    async with api.core.db.read() as session:
        users = (await session.execute(select(User.__table__).order_by(User.id))).all()
        credentials = (await session.execute(
            select(Credential.user_id, Credential.type, Credential.data).order_by(Credential.user_id))).all()
        links = (await session.execute(
            select(ProviderLink.user_id, ProviderLink.provider, ProviderLink.provider_user_id)
            .order_by(ProviderLink.user_id))).all()
    return users, credentials, links


async def stored_user(api: Any, uid: uuid.UUID) -> User:
    async with api.core.db.read() as session:
        user = await session.get(User, uid)
    assert user is not None
    return user


async def sign_in(api: httpx.AsyncClient, i: int, password: str | None = None) -> httpx.Response:
    return await api.post("/v1/signin/email-password",
                          json={"email": email_of(i), "password": password or password_of(i)})


async def assert_signs_in_with_original_passwords(api: Any, ids: dict[int, uuid.UUID]) -> None:
    for i in SAMPLE:
        assert (await stored_user(api, ids[i])).password_hash.startswith("$2")
        response = await sign_in(api, i)
        assert response.status_code == 200, response.text
        session = response.json()["session"]
        assert session["user"]["id"] == str(ids[i])
        assert session["user"]["email"] == email_of(i)
        # bcrypt upgraded to argon2id at this first sign-in; the new hash verifies the same password
        assert (await stored_user(api, ids[i])).password_hash.startswith("$argon2id$")
        assert (await sign_in(api, i)).status_code == 200
    assert (await sign_in(api, 11, "not-the-password")).status_code == 401


async def assert_reimport_changes_nothing(api: Any, source_format: SourceFormat, source: str) -> None:
    before = await snapshot(api)
    again = await import_users(api, source_format, source)
    assert (again.imported, again.skipped, again.failed) == (0, COUNT, 0)
    assert dict(again.skipped_reasons) == {"existing id": COUNT}
    assert await snapshot(api) == before


async def assert_totp_user_needs_second_factor(api: Any, i: int) -> None:
    response = await sign_in(api, i)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["session"] is None
    api.core.clock = api.core.clock  # the runtime's real clock: the code is for now
    code = code_at(TOTP_SECRET, api.core.clock())
    done = await api.post("/v1/signin/mfa/totp", json={"ticket": body["mfa"]["ticket"], "otp": code})
    assert done.status_code == 200, done.text
    assert done.json()["session"]["user"]["activeMfaType"] == "totp"


async def test_auth0_export(make_client: Any, exports: dict[SourceFormat, Path]) -> None:
    api = await make_client()
    source = str(exports[SourceFormat.AUTH0])
    summary = await import_users(api, SourceFormat.AUTH0, source)
    assert (summary.imported, summary.skipped, summary.failed) == (COUNT, 0, 0)
    ids = {i: user_id_of(f"auth0|{uuid.UUID(int=i).hex[-24:]}") for i in range(COUNT)}
    user = await stored_user(api, ids[7])
    assert (user.display_name, user.avatar_url, user.email_verified) == ("User 7", "https://example.com/7.png", True)
    assert (user.roles, user.user_metadata) == (["user", "editor"], {"plan": "pro", "n": 7})
    assert user.created_at.isoformat() == "2024-01-02T03:04:05.678000+00:00"
    async with api.core.db.read() as session:
        links = (await session.execute(select(ProviderLink.provider, ProviderLink.provider_user_id)
                                       .where(ProviderLink.user_id == ids[7]))).all()
    assert [tuple(link) for link in links] == [("github", "1007")]
    await assert_signs_in_with_original_passwords(api, ids)
    await assert_reimport_changes_nothing(api, SourceFormat.AUTH0, source)


async def test_nhost_csv_export(make_client: Any, exports: dict[SourceFormat, Path]) -> None:
    api = await make_client()
    source = str(exports[SourceFormat.NHOST])
    summary = await import_users(api, SourceFormat.NHOST, source)
    assert (summary.imported, summary.skipped, summary.failed) == (COUNT, 0, 0)
    user = await stored_user(api, user_id(3))
    assert (user.active_mfa_type, user.user_metadata, user.default_role) == ("totp", {"n": 3}, "user")
    assert user.roles == list(api.core.settings.users.allowed_roles)  # a CSV of auth.users has no roles
    async with api.core.db.read() as session:
        sealed = await session.scalar(select(Credential.secret_encrypted).where(Credential.user_id == user_id(3)))
    assert sealed is not None and TOTP_SECRET.encode() not in sealed  # encrypted at rest
    await assert_signs_in_with_original_passwords(api, {i: user_id(i) for i in SAMPLE})
    await assert_totp_user_needs_second_factor(api, 3)
    await assert_reimport_changes_nothing(api, SourceFormat.NHOST, source)


async def test_generic_csv(make_client: Any, exports: dict[SourceFormat, Path]) -> None:
    api = await make_client()
    source = str(exports[SourceFormat.CSV])
    dry = await import_users(api, SourceFormat.CSV, source, dry_run=True)
    assert (dry.imported, dry.skipped, dry.failed, dry.dry_run) == (COUNT, 0, 0, True)
    async with api.core.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0  # a dry run writes nothing
    summary = await import_users(api, SourceFormat.CSV, source)
    assert (summary.imported, summary.skipped, summary.failed) == (COUNT, 0, 0)
    user = await stored_user(api, user_id(1))
    assert (user.roles, user.default_role, user.user_metadata) == (["user", "me", "editor"], "editor", {"n": 1})
    await assert_signs_in_with_original_passwords(api, {i: user_id(i) for i in SAMPLE})
    claims = (await sign_in(api, 1)).json()["session"]["accessToken"]
    assert claims  # the editor default role is issued (checked by the Nhost face's claims tests)
    await assert_reimport_changes_nothing(api, SourceFormat.CSV, source)


@pytest.fixture
async def nhost_database() -> AsyncIterator[str]:
    """Nhost's own PostgreSQL database (the import's source), with 10,000 users."""
    if not await postgres_available():
        pytest.skip("PostgreSQL not reachable (runs in CI)")
    url = await create_postgres_database()
    await fill_nhost_database(url, COUNT)
    yield url
    await drop_postgres_database(url)


async def test_nhost_database(make_client: Any, nhost_database: str) -> None:
    api = await make_client()
    summary = await import_users(api, SourceFormat.NHOST, nhost_database)
    assert (summary.imported, summary.skipped, summary.failed) == (COUNT, 0, 0)
    user = await stored_user(api, user_id(100))
    assert sorted(user.roles) == ["editor", "me", "user"]  # from auth.user_roles
    async with api.core.db.read() as session:
        links = (await session.execute(select(ProviderLink.provider, ProviderLink.provider_user_id)
                                       .where(ProviderLink.user_id == user_id(100)))).all()
    assert [tuple(link) for link in links] == [("github", "5100")]
    await assert_signs_in_with_original_passwords(api, {i: user_id(i) for i in SAMPLE})
    await assert_totp_user_needs_second_factor(api, 53)
    await assert_reimport_changes_nothing(api, SourceFormat.NHOST, nhost_database)


async def test_skipped_and_failed_rows_say_why(make_client: Any, tmp_path: Path) -> None:
    api = await make_client()
    good = {"user_id": "auth0|1", "email": "Ada@Example.com", "password_hash": "$2b$04$" + "a" * 53}
    lines = [
        json.dumps(good),
        json.dumps({**good, "user_id": "auth0|2"}),  # the same address again
        json.dumps({"user_id": "auth0|3", "email": "not an address"}),
        json.dumps({"user_id": "auth0|4", "email": "md5@example.com", "password_hash": "5f4dcc3b5aa765d61d8327deb882cf99"}),
        json.dumps({"user_id": "auth0|5", "email": "x@example.com",
                    "custom_password_hash": {"algorithm": "md5", "hash": {"value": "5f4d"}}}),
        "{not json",
        json.dumps({"user_id": "auth0|6", "email": "nopass@example.com", "user_metadata": []}),
        json.dumps({"user_id": "auth0|7", "email": "phone@example.com", "phone_number": "12"}),
    ]
    source = tmp_path / "mixed.ndjson"
    source.write_text("\n".join(lines) + "\n")
    summary = await import_users(api, SourceFormat.AUTH0, str(source))
    assert (summary.imported, summary.skipped, summary.failed) == (1, 4, 3)
    assert dict(summary.skipped_reasons) == {"duplicate email in the source": 1, "invalid email": 1,
                                             "unsupported password hash": 1, "invalid phone number": 1}
    assert summary.failed_reasons["not valid JSON"] == 1
    assert "line 2: skipped: duplicate email in the source" in summary.examples
    stored = await stored_user(api, user_id_of("auth0|1"))
    assert stored.email == "ada@example.com"  # normalised as on sign-up
    assert summary.as_json()["imported"] == 1


async def test_existing_address_is_skipped_not_merged(make_client: Any, tmp_path: Path) -> None:
    api = await make_client()
    signed_up = await api.post("/v1/signup/email-password",
                               json={"email": "ada@example.com", "password": "a long enough password"})
    assert signed_up.status_code == 200
    source = tmp_path / "users.csv"
    source.write_text("email,password,display_name\nada@example.com,another long password,Ada\n"
                      "bob@example.com,bob's long password,Bob\n")
    summary = await import_users(api, SourceFormat.CSV, str(source))
    assert (summary.imported, dict(summary.skipped_reasons)) == (1, {"duplicate email": 1})
    assert (await api.post("/v1/signin/email-password",
                           json={"email": "bob@example.com", "password": "bob's long password"})).status_code == 200
    assert (await api.post("/v1/signin/email-password",
                           json={"email": "ada@example.com", "password": "another long password"})).status_code == 401
