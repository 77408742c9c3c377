"""Magic links: `POST /signin/passwordless/email` and `/signup/passwordless/email`.

The link is a `passwordlessEmail` ticket redeemed by `GET /verify` (services/ticket_redemption.py).
For an address without a user, the validated sign-up options travel in the ticket and the user is
created when the link is followed (services/email_accounts.py).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from authward.services.email_accounts import options_payload
from authward.services.passwordless_email import PasswordlessEmail, PasswordlessRequest
from authward.services.tickets import TicketKind
from authward.services.users import ProfileOptions
from authward.settings import Settings
from authward.storage.models import User


class MagicLinkService:
    def __init__(self, front: PasswordlessEmail, settings: Settings) -> None:
        self._front = front
        self._settings = settings

    async def start(
        self, email: str, options: ProfileOptions, *, sign_up: bool, code_challenge: str | None = None
    ) -> None:
        """Checks the request, then mails a link in the background: the answer is always the same."""
        request = self._front.prepare(email, options, sign_up=sign_up,
                                      enabled=self._settings.email.passwordless_enabled, code_challenge=code_challenge)
        self._front.start(request, self._stage, name="magic-link")

    async def _stage(self, session: AsyncSession, request: PasswordlessRequest, user: User | None) -> uuid.UUID | None:
        payload: dict[str, object] = {"email": request.email}
        if user is None:
            payload["options"] = options_payload(request.options)
        return await self._front.mail.stage_link(
            session, TicketKind.PASSWORDLESS_EMAIL, self._settings.email.link_expires_in, request.recipient(user),
            request.redirect_to, user_id=user.id if user is not None else None, payload=payload,
            code_challenge=request.code_challenge,
        )
