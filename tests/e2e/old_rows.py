"""Rows an older authward wrote, in raw SQL matching the schema of its revision, with the secrets kept.

`write_old_rows(url, revision)` fills a database at `revision` as a server of that release would have left it:
a user with a password, a refresh token and a PAT; a TOTP user; an email code waiting (stored as 0001 stored
codes, before tickets had an owner); an OAuth client with a secret; a signing key; audit rows; from 0003 a
remembered consent, from 0004 audit rows with their request details. Every column is one that revision has; the
hashes and ciphertexts are made as authward makes them, so the plaintexts kept in `OldData` still open them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher, Type
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from authward.methods.totp.state import TotpState
from authward.security.codes import CodeHasher, new_code
from authward.security.secretbox import SecretBox
from authward.security.secrets_at_rest import format_token, hash_secret
from authward.services.keys import new_signing_key
from authward.storage.db import async_database_url
from tests.support import TEST_SECRET_KEY

PASSWORD = "correct horse battery staple"
SECRET_BOX = SecretBox(TEST_SECRET_KEY)


@dataclass
class OldData:
    """The plaintexts behind the rows (what the users and clients of the older release hold)."""

    email: str
    user_id: uuid.UUID
    totp_email: str
    totp_secret: str
    refresh_token: str
    pat: str
    email_code: str
    client_id: str
    client_secret: str
    kid: str
    counts: dict[str, int] = field(default_factory=dict)  # rows written per table


class Sql:
    """Values as each backend stores them (SQLAlchemy's Uuid is 32 hex digits on SQLite, datetimes text)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"

    def id(self, value: uuid.UUID) -> Any:
        return value.hex if self.sqlite else value

    def at(self, value: datetime) -> Any:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value

    async def insert(self, table: str, **values: Any) -> None:
        names = ", ".join(f'"{name}"' for name in values)
        marks = ", ".join(f":{name}" for name in values)
        await self.conn.execute(text(f'INSERT INTO "{table}" ({names}) VALUES ({marks})'), values)


def _json(value: Any) -> str:
    return json.dumps(value)


async def _write(sql: Sql, revision: int, data: OldData) -> None:
    now = datetime.now(UTC)
    hashed = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID).hash(PASSWORD)
    totp_user = uuid.uuid4()
    for user_id, email, mfa in ((data.user_id, data.email, None), (totp_user, data.totp_email, "totp")):
        await sql.insert(
            "users", id=sql.id(user_id), created_at=sql.at(now), updated_at=sql.at(now), last_seen=None,
            disabled=False, display_name=f"Old {email}", avatar_url="", locale="en", email=email, new_email=None,
            email_verified=True, phone_number=None, phone_number_verified=False, password_hash=hashed,
            default_role="user", roles=_json(["user", "me"]), is_anonymous=False,
            metadata=_json({"from": f"revision {revision:04d}"}), active_mfa_type=mfa,
        )
    await sql.insert(
        "credentials", id=sql.id(uuid.uuid4()), user_id=sql.id(totp_user), type="totp", identifier=str(totp_user),
        data=_json(TotpState(active=True).to_data()),
        secret_encrypted=SECRET_BOX.encrypt(data.totp_secret.encode(), f"totp-secret:{totp_user}"),
        created_at=sql.at(now), last_used_at=None,
    )
    family = uuid.uuid4()
    await sql.insert(
        "refresh_tokens", id=sql.id(uuid.uuid4()), family_id=sql.id(family), parent_id=None,
        user_id=sql.id(data.user_id), token_hash=hash_secret(data.refresh_token), status="active",
        created_at=sql.at(now), expires_at=sql.at(now + timedelta(days=30)),
        family_expires_at=sql.at(now + timedelta(days=90)), rotated_at=None, amr=_json(["pwd"]),
        auth_time=sql.at(now), user_agent="old-release/1.0",
    )
    await sql.insert(
        "personal_access_tokens", id=sql.id(uuid.uuid4()), user_id=sql.id(data.user_id),
        token_hash=hash_secret(data.pat), created_at=sql.at(now), expires_at=sql.at(now + timedelta(days=7)),
        revoked_at=None, last_used_at=None, metadata=_json({"name": "ci"}),
    )
    code_ticket = uuid.uuid4()
    code_hash = CodeHasher(SECRET_BOX.derive(b"authward/email-otp/v1")).digest(code_ticket, data.email,
                                                                               data.email_code)
    ticket: dict[str, Any] = {
        "id": sql.id(code_ticket), "user_id": sql.id(data.user_id), "kind": "otpEmail", "secret_hash": code_hash,
        "created_at": sql.at(now), "expires_at": sql.at(now + timedelta(minutes=10)), "consumed_at": None,
        "attempts": 0, "payload": _json({"email": data.email}),  # 0001 found a code's address in its payload
    }
    if revision >= 2:
        ticket["owner"] = data.email
    await sql.insert("tickets", **ticket)
    client: dict[str, Any] = {
        "client_id": data.client_id, "client_secret_hash": hash_secret(data.client_secret), "name": "Old backend",
        "redirect_uris": _json([]), "grant_types": _json(["client_credentials"]), "scopes": _json(["openid"]),
        "is_public": False, "created_at": sql.at(now),
    }
    if revision >= 3:
        client.update(updated_at=sql.at(now), post_logout_redirect_uris=_json([]), audiences=_json([]),
                      first_party=False, logo_url=None, jwks=None, access_token_ttl=None, refresh_token_ttl=None,
                      settings=_json({}))
    await sql.insert("oauth_clients", **client)
    if revision >= 3:
        await sql.insert(
            "oauth_consents", id=sql.id(uuid.uuid4()), user_id=sql.id(data.user_id), client_id=data.client_id,
            scopes=_json(["openid"]), created_at=sql.at(now), updated_at=sql.at(now),
        )
    key = new_signing_key("RS256", SECRET_BOX)
    data.kid = key.kid
    await sql.insert(
        "signing_keys", kid=key.kid, algorithm=key.algorithm, public_jwk=_json(key.public_jwk),
        private_key_encrypted=key.private_key_encrypted, created_at=sql.at(now - timedelta(days=1)),
        retired_at=None, expires_at=None,
    )
    for event in ("user.signed_up", "user.signed_in"):
        audit: dict[str, Any] = {"id": sql.id(uuid.uuid4()), "user_id": sql.id(data.user_id), "event": event,
                                 "created_at": sql.at(now), "data": _json({"method": "password"})}
        if revision >= 4:
            audit.update(ip="10.0.0.7", user_agent="old-release/1.0", actor=None)
        await sql.insert("audit_events", **audit)
    data.counts = {"users": 2, "credentials": 1, "refresh_tokens": 1, "personal_access_tokens": 1, "tickets": 1,
                   "oauth_clients": 1, "oauth_consents": 1 if revision >= 3 else 0, "signing_keys": 1,
                   "audit_events": 2}


def write_old_rows(database_url: str, revision: str) -> OldData:
    """Fill the database (at `revision`) with an older release's rows; their plaintexts."""
    data = OldData(
        email=f"old-{uuid.uuid4().hex[:8]}@example.com", user_id=uuid.uuid4(),
        totp_email=f"old-totp-{uuid.uuid4().hex[:8]}@example.com", totp_secret=pyotp.random_base32(),
        refresh_token=format_token(secrets.token_bytes(32)), pat=format_token(secrets.token_bytes(32)),
        email_code=new_code(), client_id=f"old-{uuid.uuid4().hex[:8]}", client_secret=secrets.token_urlsafe(32),
        kid="",
    )

    async def write() -> None:
        engine = create_async_engine(async_database_url(database_url))
        try:
            async with engine.begin() as conn:
                await _write(Sql(conn), int(revision), data)
        finally:
            await engine.dispose()

    asyncio.run(write())
    return data
