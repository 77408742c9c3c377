"""Export files of other auth servers, generated for the import tests: Auth0 NDJSON, Nhost auth.users, generic CSV.

bcrypt at cost 4 keeps generation fast; a pool of distinct (password, hash) pairs is cycled, so every user's
hash verifies that user's own password (`password_of(i)`) without hashing 10,000 times.
"""

from __future__ import annotations

import csv
import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import bcrypt

POOL = 64
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@cache
def _pool() -> list[tuple[str, str]]:
    pairs = []
    for n in range(POOL):
        password = f"original-password-{n:02d}"
        hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
        prefix = ("$2a$", "$2b$", "$2y$")[n % 3]  # every bcrypt variant in the wild
        pairs.append((password, prefix + hashed[4:]))
    return pairs


def password_of(i: int) -> str:
    return _pool()[i % POOL][0]


def hash_of(i: int) -> str:
    return _pool()[i % POOL][1]


def user_id(i: int) -> uuid.UUID:
    return uuid.UUID(int=(0xA0E5 << 112) + i)


def email_of(i: int) -> str:
    return f"user{i}@example.com"


def write_auth0(path: Path, count: int) -> Path:
    with path.open("w") as out:
        for i in range(count):
            record: dict[str, Any] = {
                "user_id": f"auth0|{uuid.UUID(int=i).hex[-24:]}", "email": email_of(i), "email_verified": True,
                "name": f"User {i}", "picture": f"https://example.com/{i}.png", "created_at": "2024-01-02T03:04:05.678Z",
                "user_metadata": {"plan": "pro", "n": i}, "app_metadata": {"roles": ["user", "editor"]},
                "password_hash": hash_of(i),
            }
            if i % 100 == 7:
                record["identities"] = [{"provider": "github", "user_id": 1000 + i, "connection": "github"}]
            out.write(json.dumps(record) + "\n")
    return path


NHOST_COLUMNS = ("id", "created_at", "updated_at", "last_seen", "disabled", "display_name", "avatar_url", "locale",
                 "email", "phone_number", "password_hash", "email_verified", "phone_number_verified", "new_email",
                 "otp_method_last_used", "otp_hash", "otp_hash_expires_at", "default_role", "is_anonymous",
                 "totp_secret", "active_mfa_type", "ticket", "ticket_expires_at", "metadata", "webauthn_current_challenge")


def nhost_row(i: int) -> dict[str, Any]:
    """One auth.users row as Nhost stores it; every 50th user has TOTP active."""
    totp = i % 50 == 3
    return {
        "id": str(user_id(i)), "created_at": "2024-01-02 03:04:05.678+00", "updated_at": "2024-01-02 03:04:05.678+00",
        "last_seen": "", "disabled": "f", "display_name": f"User {i}", "avatar_url": "", "locale": "en",
        "email": email_of(i), "phone_number": "", "password_hash": hash_of(i), "email_verified": "t",
        "phone_number_verified": "f", "new_email": "", "otp_method_last_used": "", "otp_hash": "",
        "otp_hash_expires_at": "2024-01-02 03:04:05+00", "default_role": "user", "is_anonymous": "f",
        "totp_secret": TOTP_SECRET if totp else "", "active_mfa_type": "totp" if totp else "", "ticket": "",
        "ticket_expires_at": "2024-01-02 03:04:05+00", "metadata": json.dumps({"n": i}),
        "webauthn_current_challenge": "",
    }


def write_nhost_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=NHOST_COLUMNS)
        writer.writeheader()
        for i in range(count):
            writer.writerow(nhost_row(i))
    return path


def write_generic_csv(path: Path, count: int) -> Path:
    columns = ("id", "email", "password_hash", "email_verified", "display_name", "roles", "default_role", "metadata")
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for i in range(count):
            writer.writerow([str(user_id(i)), email_of(i), hash_of(i), "true", f"User {i}", "user,me,editor",
                             "editor" if i % 2 else "user", json.dumps({"n": i})])
    return path


NHOST_SCHEMA = """
CREATE SCHEMA auth;
CREATE TABLE auth.roles (role text PRIMARY KEY);
CREATE TABLE auth.providers (id text PRIMARY KEY);
CREATE TABLE auth.users (
  id uuid PRIMARY KEY, created_at timestamptz DEFAULT now() NOT NULL, updated_at timestamptz DEFAULT now() NOT NULL,
  last_seen timestamptz, disabled boolean DEFAULT false NOT NULL, display_name text DEFAULT '' NOT NULL,
  avatar_url text DEFAULT '' NOT NULL, locale varchar(2) NOT NULL, email text UNIQUE, phone_number text UNIQUE,
  password_hash text, email_verified boolean DEFAULT false NOT NULL,
  phone_number_verified boolean DEFAULT false NOT NULL, new_email text, otp_method_last_used text, otp_hash text,
  otp_hash_expires_at timestamptz DEFAULT now() NOT NULL,
  default_role text DEFAULT 'user' NOT NULL REFERENCES auth.roles (role),
  is_anonymous boolean DEFAULT false NOT NULL, totp_secret text, active_mfa_type text, ticket text,
  ticket_expires_at timestamptz DEFAULT now() NOT NULL, metadata jsonb, webauthn_current_challenge text,
  CHECK (active_mfa_type = 'totp' OR active_mfa_type = 'sms'));
CREATE TABLE auth.user_roles (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY, created_at timestamptz DEFAULT now() NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE, role text NOT NULL REFERENCES auth.roles (role),
  UNIQUE (user_id, role));
CREATE TABLE auth.user_providers (
  id uuid DEFAULT gen_random_uuid() PRIMARY KEY, created_at timestamptz DEFAULT now() NOT NULL,
  updated_at timestamptz DEFAULT now() NOT NULL, user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  access_token text NOT NULL, refresh_token text, provider_id text NOT NULL REFERENCES auth.providers (id),
  provider_user_id text NOT NULL, UNIQUE (user_id, provider_id), UNIQUE (provider_id, provider_user_id));
INSERT INTO auth.roles (role) VALUES ('user'), ('me'), ('anonymous'), ('editor');
INSERT INTO auth.providers (id) VALUES ('github'), ('google');
"""


async def fill_nhost_database(url: str, count: int) -> None:
    """Nhost's auth schema (hasura-auth's column names) with `count` users, their roles and some provider links."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(NHOST_SCHEMA)
        users = []
        for i in range(count):
            row = nhost_row(i)
            users.append((user_id(i), row["display_name"], row["email"], row["password_hash"], True, row["default_role"],
                          row["totp_secret"] or None, row["active_mfa_type"] or None, row["metadata"]))
        await conn.executemany(
            "INSERT INTO auth.users (id, locale, display_name, email, password_hash, email_verified, default_role, "
            "totp_secret, active_mfa_type, metadata) VALUES ($1, 'en', $2, $3, $4, $5, $6, $7, $8, $9::jsonb)", users)
        await conn.executemany("INSERT INTO auth.user_roles (user_id, role) VALUES ($1, $2)",
                               [(user_id(i), role) for i in range(count) for role in ("user", "me", "editor")])
        await conn.executemany(
            "INSERT INTO auth.user_providers (user_id, access_token, provider_id, provider_user_id) "
            "VALUES ($1, 'gho_old', 'github', $2)", [(user_id(i), str(5000 + i)) for i in range(0, count, 100)])
    finally:
        await conn.close()
