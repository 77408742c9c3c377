"""Email verification: the link mailed at sign-up, and `POST /user/email/send-verification-email`.

Sign-up (`methods/password/service.py`) stages the ticket and its email in its own unit of work
and dispatches after the commit. The resend answers the same whether the address is unknown,
verified or waiting: the work runs in the background, so neither the answer nor its timing tells.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from authward.background import Background
from authward.security.redirects import RedirectPolicy
from authward.services.exchange_codes import with_code_challenge
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.tickets import TicketKind
from authward.services.users import normalise_email
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

log = logging.getLogger("authward.mail")


class EmailVerificationService:
    def __init__(
        self, db: Database, mail: TicketMail, redirects: RedirectPolicy, background: Background, settings: Settings
    ) -> None:
        self._db = db
        self._mail = mail
        self._redirects = redirects
        self._background = background
        self._settings = settings

    def redirect_for(self, redirect_to: str | None) -> str:
        """The allowed redirect (the client URL when none); `redirectTo-not-allowed` otherwise."""
        return self._redirects.resolve(redirect_to)

    def wanted_for(self, user: User) -> bool:
        """Does a new user get a verification email? Only when verification is required and it can sign in."""
        return self._settings.users.email_verification_required and not user.email_verified and not user.disabled \
            and user.email is not None

    async def stage(
        self, session: AsyncSession, user: User, redirect_to: str, code_challenge: str | None = None
    ) -> uuid.UUID | None:
        return await self._mail.stage_link(
            session, TicketKind.VERIFY_EMAIL, self._settings.email.verification_expires_in, recipient_of(user),
            redirect_to, user_id=user.id, code_challenge=code_challenge,
        )

    async def dispatch(self, message_id: uuid.UUID) -> None:
        await self._mail.dispatch(message_id)

    async def resend(self, email: str, redirect_to: str | None, code_challenge: str | None = None) -> None:
        normalised = normalise_email(email)
        redirect = self.redirect_for(redirect_to)
        with_code_challenge(None, code_challenge)  # a malformed challenge is refused now, not in the background
        self._background.spawn(self._resend(normalised, redirect, code_challenge), name="resend-verification",
                               after_answer=True)

    async def _resend(self, email: str, redirect_to: str, code_challenge: str | None) -> None:
        message_id = None
        async with self._db.write() as session:
            user = await users_repo.get_by_email(session, email)
            if user is not None and not user.email_verified and not user.disabled:
                message_id = await self.stage(session, user, redirect_to, code_challenge)
        await self._mail.dispatch(message_id, wait=False)
