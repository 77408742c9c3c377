"""The object graph of a running server, built once per process from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from authward.delivery.sms import build_sms_sender
from authward.methods.anonymous.service import AnonymousService
from authward.methods.password.reset import PasswordResetService
from authward.methods.password.service import PasswordService
from authward.methods.pat.service import PatService
from authward.methods.recovery_codes.service import RecoveryCodes
from authward.methods.sms_otp.service import SmsOtpService
from authward.methods.totp.service import TotpService
from authward.methods.totp.verifier import SecondFactorVerifier
from authward.security.elevation import ElevationRule
from authward.security.jwt import AccessTokenCodec
from authward.security.passwords import PasswordHasher
from authward.security.secretbox import SecretBox, load_or_create_secret_key
from authward.services.clock import Clock, utc_now
from authward.services.email_features import EmailFeatures, build_email_features
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
    sms_otp: SmsOtpService
    anonymous: AnonymousService
    pats: PatService
    elevation: ElevationRule
    totp: TotpService
    email: EmailFeatures
    password_reset: PasswordResetService

    async def close(self) -> None:
        await self.email.close()
        self.hasher.close()
        await self.sms_otp.aclose()
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
    email = build_email_features(settings, db, box, sessions, clock)
    passwords = PasswordService(db, sessions, hasher, settings, clock, verification=email.verification)
    password_reset = PasswordResetService(db, passwords, hasher, email.mail, email.redirects, email.background,
                                          settings, clock)
    sms_otp = SmsOtpService(db, sessions, build_sms_sender(settings, db, clock), box.derive(b"authward/sms-otp/v1"),
                            settings, clock)
    anonymous = AnonymousService(db, sessions, passwords, hasher, settings, clock, mail=email.mail,
                                 redirects=email.redirects)
    pats = PatService(db, sessions, settings, clock)
    elevation = ElevationRule(settings, clock)
    recovery = RecoveryCodes(box.derive(b"authward/recovery-codes/v1"))
    totp = TotpService(db, sessions, hasher, SecondFactorVerifier(box, recovery), recovery, elevation, settings, clock)
    return Services(settings, db, box, keys, codec, hasher, sessions, passwords, sms_otp, anonymous, pats,
                    elevation, totp, email, password_reset)
