"""The object graph of a running server, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from authward.methods.password.service import PasswordService
from authward.security.jwt import AccessTokenCodec
from authward.security.passwords import PasswordHasher
from authward.security.secretbox import SecretBox, load_or_create_secret_key
from authward.services.clock import Clock, utc_now
from authward.services.keys import KeyRing
from authward.services.sessions import SessionService
from authward.settings import Settings
from authward.storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    box: SecretBox
    keys: KeyRing
    codec: AccessTokenCodec
    hasher: PasswordHasher
    sessions: SessionService
    passwords: PasswordService

    async def close(self) -> None:
        self.hasher.close()
        await self.db.dispose()


def build_services(settings: Settings, clock: Clock = utc_now) -> Services:
    db = Database(settings.database_url)
    secret = load_or_create_secret_key(
        settings.secret_key.get_secret_value() if settings.secret_key else None, settings.data_dir
    )
    box = SecretBox(secret)
    keys = KeyRing(
        db, box, settings.jwt_algorithm.value, settings.access_token_expires_in, settings.key_cache_seconds, clock
    )
    codec = AccessTokenCodec(keys, settings.public_url, settings.jwt_claims_namespace)
    hasher = PasswordHasher(
        settings.password_hash_time_cost, settings.password_hash_memory_kib, settings.password_hash_parallelism
    )
    sessions = SessionService(db, codec, settings, box.derive(b"authward/refresh-successor/v1"), clock)
    passwords = PasswordService(db, sessions, hasher, settings, clock)
    return Services(settings, db, box, keys, codec, hasher, sessions, passwords)
