"""The front half shared by magic links and email codes: checks, then a job that mails (or not).

Everything that depends only on the request (the endpoint enabled, the address's syntax, the
sign-up options, the redirect) is checked at once and answered with an error. Everything that
depends on who is registered runs in a background job after the answer, so the answer and its
timing are the same for every address. Who gets a message:
- a known, enabled user asking to sign in;
- an unknown address asking to sign in (unless sign-up, or auto sign-up, is disabled) or to sign up.
A known address asking to sign up gets nothing, as Nhost (no side effects, no enumeration).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from authward.background import Background
from authward.clock import Clock, utc_now
from authward.delivery.compose import Recipient
from authward.errors import AuthError, ErrorCode
from authward.security.redirects import RedirectPolicy
from authward.services.exchange_codes import with_code_challenge
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.users import ProfileOptions, new_user, normalise_email
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

log = logging.getLogger("authward.mail")


@dataclass(frozen=True)
class PasswordlessRequest:
    email: str
    options: ProfileOptions
    redirect_to: str
    sign_up: bool
    code_challenge: str | None = None  # PKCE: the link's redirect carries a code (services/exchange_codes.py)

    def recipient(self, user: User | None) -> Recipient:
        if user is not None:
            return recipient_of(user)
        return Recipient(self.email, self.email, self.options.display_name or self.email, self.options.locale)


# Stages the ticket and its email for a request (user None: the address has no user yet).
Stager = Callable[[AsyncSession, PasswordlessRequest, User | None], Awaitable[uuid.UUID | None]]


class PasswordlessEmail:
    def __init__(
        self, db: Database, mail: TicketMail, redirects: RedirectPolicy, background: Background, settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self.mail = mail
        self._redirects = redirects
        self._background = background
        self._settings = settings
        self._clock = clock

    def prepare(
        self, email: str, options: ProfileOptions, *, sign_up: bool, enabled: bool, code_challenge: str | None = None
    ) -> PasswordlessRequest:
        if not enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)
        if sign_up and self._settings.users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        normalised = normalise_email(email)
        new_user(self._settings, options, email=normalised, clock=self._clock)  # validates the options
        redirect = self._redirects.resolve(options.redirect_to)
        with_code_challenge(None, code_challenge)  # a malformed challenge is refused now, not in the background
        return PasswordlessRequest(normalised, options, redirect, sign_up, code_challenge)

    def start(self, request: PasswordlessRequest, stage: Stager, name: str) -> None:
        self._background.spawn(self._run(request, stage), name=name, after_answer=True)

    def _may_send(self, request: PasswordlessRequest, user: User | None) -> bool:
        if user is not None:
            return not request.sign_up and not user.disabled
        if self._settings.users.disable_signup:
            return False
        return request.sign_up or not self._settings.users.disable_auto_signup

    async def _run(self, request: PasswordlessRequest, stage: Stager) -> None:
        message_id = None
        async with self._db.write() as session:
            user = await users_repo.get_by_email(session, request.email)
            if self._may_send(request, user):
                message_id = await stage(session, request, user)
        await self.mail.dispatch(message_id, wait=False)
