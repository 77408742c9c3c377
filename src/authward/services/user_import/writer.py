"""One writer for every source: check each `ImportedUser`, then insert the good ones in batches.

A user is skipped, never half-imported, when something about it is wrong (an invalid address, a hash this
server cannot verify) or already here (its id, email, phone number or provider link): so a second run of the
same import changes nothing and counts every user as skipped. Each batch is one transaction; a batch that
meets a row written meanwhile (a sign-up racing the import) is retried one user at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from authward.clock import Clock, utc_now
from authward.security.passwords import PasswordHasher
from authward.services.user_import.checks import EmailChecker, Skip, checked_hash, checked_phone, valid_base32
from authward.services.user_import.records import ImportedUser, ImportSummary, Unreadable
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.repos import bulk_users

BATCH_SIZE = 1000


@dataclass(frozen=True)
class TotpImport:
    """How the TOTP method stores an active secret (given by its package: services do not import methods)."""

    credential_type: str
    mfa_type: str  # users.active_mfa_type
    active_state: dict[str, Any]  # the credential's `data` for an activated secret
    seal: Callable[[uuid.UUID, str], bytes]  # encrypt a secret for one user


@dataclass
class _Prepared:
    record: ImportedUser
    id: uuid.UUID
    email: str | None
    phone: str | None
    password_hash: str | None


class UserImporter:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        hasher: PasswordHasher,
        totp: TotpImport,
        clock: Clock = utc_now,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._db = db
        self._settings = settings
        self._hasher = hasher
        self._totp = totp
        self._clock = clock
        self._batch_size = batch_size
        self._email = EmailChecker()

    async def run(
        self,
        source: AsyncIterator[ImportedUser | Unreadable],
        *,
        dry_run: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        summary = ImportSummary(dry_run=dry_run)
        seen = _Seen()
        async with self._db.read() as session:
            seen.changing_to = await bulk_users.pending_new_emails(session)
        batch: list[ImportedUser] = []
        async for item in source:
            if isinstance(item, Unreadable):
                summary.fail(item.where, item.reason)
                if progress:
                    progress(1)
                continue
            batch.append(item)
            if len(batch) >= self._batch_size:
                await self._batch(batch, seen, summary, dry_run)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            await self._batch(batch, seen, summary, dry_run)
            if progress:
                progress(len(batch))
        return summary

    # -- one batch
    async def _batch(self, records: list[ImportedUser], seen: _Seen, summary: ImportSummary, dry_run: bool) -> None:
        prepared: list[_Prepared] = []
        for record in records:
            try:
                prepared.append(await self._prepare(record))
            except Skip as why:
                summary.skip(record.where, str(why))
        async with self._db.read() as session:
            taken_ids = await bulk_users.existing_ids(session, {p.id for p in prepared})
            taken_emails = await bulk_users.existing_emails(session, {p.email for p in prepared if p.email})
            taken_phones = await bulk_users.existing_phones(session, {p.phone for p in prepared if p.phone})
            taken_links = await bulk_users.existing_links(
                session, {link for p in prepared for link in p.record.providers})
        accepted: list[_Prepared] = []
        for user in prepared:
            reason = seen.conflict(user, taken_ids, taken_emails, taken_phones, taken_links)
            if reason is not None:
                summary.skip(user.record.where, reason)
                continue
            seen.add(user)
            accepted.append(user)
        if dry_run:
            summary.imported += len(accepted)
            return
        now = self._clock()
        rows = [self._rows(user, now) for user in accepted]
        try:
            await self._insert(rows)
            summary.imported += len(accepted)
        except IntegrityError:  # a row written meanwhile: one user at a time, so only the clash is lost
            for user, row in zip(accepted, rows, strict=True):
                try:
                    await self._insert([row])
                    summary.imported += 1
                except IntegrityError:
                    summary.fail(user.record.where, "conflicts with a user written during the import")

    async def _insert(self, rows: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]) -> None:
        async with self._db.write() as session:
            await bulk_users.insert_users(
                session,
                [user for user, _, _ in rows],
                [credential for _, credentials, _ in rows for credential in credentials],
                [link for _, _, links in rows for link in links],
            )

    # -- one user
    async def _prepare(self, record: ImportedUser) -> _Prepared:
        if record.is_anonymous:
            raise Skip("anonymous user")
        email = self._email(record.email)
        phone = checked_phone(record.phone_number)
        if email is None and phone is None:
            raise Skip("no email or phone number")
        if record.totp_secret is not None and not valid_base32(record.totp_secret):
            raise Skip("invalid TOTP secret")
        if record.password_hash is not None:
            password_hash: str | None = checked_hash(record.password_hash)
        elif record.password is not None:
            if not self._settings.passwords.min_length <= len(record.password) <= self._settings.passwords.max_length:
                raise Skip("password length outside the configured bounds")
            password_hash = await self._hasher.hash(record.password)
        else:
            password_hash = None
        return _Prepared(record, record.id or uuid.uuid4(), email, phone, password_hash)

    def _rows(
        self, user: _Prepared, now: datetime
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        record = user.record
        users = self._settings.users
        roles = record.roles if record.roles is not None else list(users.allowed_roles)
        default_role = record.default_role or users.default_role
        if default_role not in roles:
            roles = [default_role, *roles]
        locale = record.locale if record.locale and len(record.locale) <= 16 else users.default_locale
        credentials = []
        if record.totp_secret is not None:
            secret = record.totp_secret.replace(" ", "").upper()
            credentials.append({
                "id": uuid.uuid4(), "user_id": user.id, "type": self._totp.credential_type,
                "identifier": str(user.id), "data": dict(self._totp.active_state),
                "secret_encrypted": self._totp.seal(user.id, secret), "created_at": now, "last_used_at": None,
            })
        links = [
            {"id": uuid.uuid4(), "user_id": user.id, "provider": provider, "provider_user_id": provider_user_id,
             "access_token_encrypted": None, "refresh_token_encrypted": None, "created_at": now, "updated_at": now}
            for provider, provider_user_id in record.providers
        ]
        row = {
            "id": user.id, "created_at": record.created_at or now, "updated_at": now, "last_seen": record.last_seen,
            "disabled": record.disabled, "display_name": record.display_name[:255],
            "avatar_url": record.avatar_url if len(record.avatar_url) <= 2048 else "", "locale": locale,
            "email": user.email, "new_email": None,
            "email_verified": record.email_verified and user.email is not None, "phone_number": user.phone,
            "phone_number_verified": record.phone_number_verified and user.phone is not None,
            "password_hash": user.password_hash, "default_role": default_role, "roles": roles, "is_anonymous": False,
            "metadata": record.metadata, "active_mfa_type": self._totp.mfa_type if credentials else None,
        }
        return row, credentials, links


class _Seen:
    """What earlier rows of this import claimed: a later duplicate in the file is skipped like one in the database."""

    def __init__(self) -> None:
        self.ids: set[uuid.UUID] = set()
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.links: set[tuple[str, str]] = set()
        self.changing_to: set[str] = set()  # addresses users of the database are changing to

    def conflict(
        self,
        user: _Prepared,
        ids: set[uuid.UUID],
        emails: set[str],
        phones: set[str],
        links: set[tuple[str, str]],
    ) -> str | None:
        if user.id in ids:
            return "existing id"
        if user.id in self.ids:
            return "duplicate id in the source"
        if user.email is not None and (user.email in emails or user.email in self.changing_to):
            return "duplicate email"
        if user.email is not None and user.email in self.emails:
            return "duplicate email in the source"
        if user.phone is not None and (user.phone in phones or user.phone in self.phones):
            return "duplicate phone number"
        if any(link in links or link in self.links for link in user.record.providers):
            return "provider link taken"
        return None

    def add(self, user: _Prepared) -> None:
        self.ids.add(user.id)
        if user.email is not None:
            self.emails.add(user.email)
        if user.phone is not None:
            self.phones.add(user.phone)
        self.links.update(user.record.providers)
