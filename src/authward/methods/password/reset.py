"""Password reset and change: `POST /user/password/reset` and `POST /user/password`.

The reset request answers the same for every address, at once: the lookup and the mail run in
the background. The mailed link (`/verify`, ticket `passwordReset:...`) signs the user in so the
app can call `POST /user/password`; the ticket itself also works as `ticket` in that call.
Changing the password revokes every session and every PAT of the user and retires outstanding reset tickets,
in the same unit of work, which also queues a notice to the account's address (services/security_notices.py).
The new password is hashed outside the transaction (argon2 is slow), and only after the ticket was checked,
so bad tickets cost no hashing.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from authward.background import Background
from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.breached_passwords import BreachedPasswords
from authward.security.passwords import PasswordHasher
from authward.security.redirects import RedirectPolicy
from authward.services import audit
from authward.services.exchange_codes import with_code_challenge
from authward.services.password_policy import check_password_policy
from authward.services.security_notices import Notice, SecurityNotices
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.users import normalise_email, registered_user_for_change
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import personal_access_tokens as pats_repo
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

RESET = {TicketKind.PASSWORD_RESET}


class PasswordResetService:
    def __init__(
        self, db: Database, hasher: PasswordHasher, mail: TicketMail,
        redirects: RedirectPolicy, background: Background, settings: Settings, clock: Clock = utc_now,
        notices: SecurityNotices | None = None, breached: BreachedPasswords | None = None,
    ) -> None:
        self._db = db
        self._hasher = hasher
        self._mail = mail
        self._redirects = redirects
        self._background = background
        self._settings = settings
        self._clock = clock
        self._notices = notices
        self._breached = breached  # the optional HIBP check of a new password

    # -- the reset email
    async def request_reset(self, email: str, redirect_to: str | None, code_challenge: str | None = None) -> None:
        normalised = normalise_email(email)
        redirect = self._redirects.resolve(redirect_to)
        with_code_challenge(None, code_challenge)  # a malformed challenge is refused now, not in the background
        self._background.spawn(self._send(normalised, redirect, code_challenge), name="password-reset",
                               after_answer=True)

    async def _send(self, email: str, redirect_to: str, code_challenge: str | None) -> None:
        message_id = None
        async with self._db.write() as session:
            user = await users_repo.get_by_email(session, email)
            if user is not None and not user.disabled:
                message_id = await self._mail.stage_link(
                    session, TicketKind.PASSWORD_RESET, self._settings.email.link_expires_in, recipient_of(user),
                    redirect_to, user_id=user.id, code_challenge=code_challenge,
                )
        await self._mail.dispatch(message_id, wait=False)

    # -- setting the password
    async def change_with_ticket(self, ticket: str, new_password: str) -> None:
        check_password_policy(self._settings, new_password)
        async with self._db.read() as session:
            await self._mail.tickets.peek(session, ticket, RESET)
        await self._check_breached(new_password)
        password_hash = await self._hasher.hash(new_password)
        async with self._db.write() as session:
            row = await self._mail.tickets.redeem(session, ticket, RESET)
            user = await users_repo.get(session, row.user_id) if row.user_id is not None else None
            if user is None:
                raise AuthError(ErrorCode.INVALID_TICKET)
            if user.disabled:
                raise AuthError(ErrorCode.DISABLED_USER)
            user.email_verified = True  # the mailbox owner followed the reset link
            notice = await self._apply(session, user, password_hash, "ticket")
        await self._dispatch(notice)

    async def change_for_user(self, user_id: str, new_password: str) -> None:
        check_password_policy(self._settings, new_password)
        await self._check_breached(new_password)
        password_hash = await self._hasher.hash(new_password)
        async with self._db.write() as session:
            user = await registered_user_for_change(session, user_id)
            notice = await self._apply(session, user, password_hash, "session")
        await self._dispatch(notice)

    async def _check_breached(self, password: str) -> None:
        if self._breached is not None:
            await self._breached.check(password)

    async def _dispatch(self, message_id: uuid.UUID | None) -> None:
        if self._notices is not None:
            await self._notices.dispatch(message_id)

    async def _apply(self, session: AsyncSession, user: User, password_hash: str, via: str) -> uuid.UUID | None:
        now = self._clock()
        user.password_hash = password_hash
        user.updated_at = now
        await tokens_repo.revoke_all_for_user(session, user.id)
        await pats_repo.revoke_all_for_user(session, user.id, now)  # a PAT must not outlive a compromise
        await self._mail.tickets.retire(session, TicketKind.PASSWORD_RESET, TicketOwner(user_id=user.id))
        audit.record(session, "user.password_changed", now, user.id, via=via)
        if self._notices is None:
            return None
        notice = Notice.PASSWORD_RESET if via == "ticket" else Notice.PASSWORD_CHANGED
        return await self._notices.stage(session, user, notice)
