"""`POST /user/email/change`: the new address is only taken once its owner follows the link.

The request records `new_email` and mails an `emailConfirmChange` link to the new address (a newer
request retires the older links). Redeeming it (`services/ticket_redemption.py`) swaps the address,
if it is still the pending one and still free.
"""

from __future__ import annotations

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.redirects import RedirectPolicy
from authward.services import audit
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.users import normalise_email, registered_user_for_change
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.repos import users as users_repo


class EmailChangeService:
    def __init__(
        self, db: Database, mail: TicketMail, redirects: RedirectPolicy, settings: Settings, clock: Clock = utc_now
    ) -> None:
        self._db = db
        self._mail = mail
        self._redirects = redirects
        self._settings = settings
        self._clock = clock

    async def request_change(
        self, user_id: str, new_email: str, redirect_to: str | None, code_challenge: str | None = None
    ) -> None:
        normalised = normalise_email(new_email)
        redirect = self._redirects.resolve(redirect_to)
        async with self._db.write() as session:
            user = await registered_user_for_change(session, user_id)
            if user.email == normalised or await users_repo.email_taken_by_other(session, normalised, user.id):
                raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
            now = self._clock()
            user.new_email = normalised
            user.updated_at = now
            await self._mail.tickets.retire(session, TicketKind.EMAIL_CONFIRM_CHANGE, TicketOwner(user_id=user.id))
            message_id = await self._mail.stage_link(
                session, TicketKind.EMAIL_CONFIRM_CHANGE, self._settings.email.link_expires_in,
                recipient_of(user, to=normalised), redirect, user_id=user.id, payload={"newEmail": normalised},
                new_email=normalised, code_challenge=code_challenge,
            )
            audit.record(session, "user.email_change_requested", now, user.id)
        await self._mail.dispatch(message_id)
