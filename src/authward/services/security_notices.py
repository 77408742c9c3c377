"""Notification mails after a security-relevant change (ASVS 6.3.7): password, email, MFA, passkey, PAT.

A notice is queued in the unit of work of the change it reports (the outbox row commits or rolls back
with it) and delivered after the commit. It goes to the account's address (for an email change, the
old one: the person who may have lost the account), carries no link and no secret, and each kind can
be turned off (`[notify]`). Accounts without an address get none.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from authward.delivery.compose import EmailComposer, Recipient
from authward.delivery.postman import Postman
from authward.settings import Settings
from authward.storage.models import User


class Notice(StrEnum):
    """The template's `event`; the value with `-` as `_` is the `[notify]` switch."""

    PASSWORD_CHANGED = "password-changed"  # noqa: S105 - an event name
    PASSWORD_RESET = "password-reset"  # noqa: S105 - an event name
    EMAIL_CHANGED = "email-changed"
    MFA_ENABLED = "mfa-enabled"
    MFA_DISABLED = "mfa-disabled"
    PASSKEY_ADDED = "passkey-added"
    PAT_CREATED = "pat-created"

    @property
    def setting(self) -> str:
        return self.value.replace("-", "_")


class SecurityNotices:
    def __init__(self, composer: EmailComposer, postman: Postman, settings: Settings) -> None:
        self._composer = composer
        self._postman = postman
        self._settings = settings

    def wanted(self, notice: Notice) -> bool:
        return bool(getattr(self._settings.notify, notice.setting))

    async def stage(
        self, session: AsyncSession, user: User, notice: Notice, *, to: str | None = None,
        new_email: str | None = None,
    ) -> uuid.UUID | None:
        """Queue the notice in the caller's unit of work; the outbox id for `dispatch` after the commit."""
        address = to or user.email
        if not address or not self.wanted(notice):
            return None
        # For an email change the message goes to, and speaks of, the old address.
        who = Recipient(address, address, user.display_name or address, user.locale)
        email = self._composer.notice_email(who, notice.value, new_email=new_email)
        return await self._postman.stage(session, email)

    async def dispatch(self, message_id: uuid.UUID | None) -> None:
        """Start delivery (after the commit); the request does not wait for SMTP."""
        if message_id is not None:
            await self._postman.dispatch([message_id], wait=False)
