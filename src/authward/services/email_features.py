"""The email features' part of the object graph, built once per process (see container.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from authward.delivery.compose import EmailComposer
from authward.delivery.email import build_mailer
from authward.delivery.postman import Postman
from authward.delivery.templates import EmailTemplates
from authward.methods.email_otp.service import EmailOtpService
from authward.methods.magic_link.service import MagicLinkService
from authward.security.redirects import RedirectPolicy
from authward.security.secretbox import SecretBox
from authward.services.background import Background
from authward.services.clock import Clock, utc_now
from authward.services.email_change import EmailChangeService
from authward.services.email_verification import EmailVerificationService
from authward.services.passwordless_email import PasswordlessEmail
from authward.services.sessions import SessionService
from authward.services.ticket_mail import TicketMail
from authward.services.ticket_redemption import TicketRedemption
from authward.services.tickets import TicketService
from authward.settings import Settings
from authward.storage.db import Database

log = logging.getLogger("authward.mail")


@dataclass
class EmailFeatures:
    redirects: RedirectPolicy
    background: Background
    postman: Postman
    mail: TicketMail
    verification: EmailVerificationService
    email_change: EmailChangeService
    magic_links: MagicLinkService
    email_otp: EmailOtpService
    redemption: TicketRedemption
    tickets: TicketService
    db: Database
    settings: Settings
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the maintenance loop (in the server's event loop): retries, then pruning."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._maintain(), name="email-maintenance")

    async def close(self) -> None:
        """Stop the loop and let in-flight deliveries finish (bounded by the SMTP timeout)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.postman.close()

    async def maintain_once(self) -> None:
        await self.postman.retry_due()
        await self.postman.prune()
        async with self.db.write() as session:
            await self.tickets.prune_dead(session)

    async def _maintain(self) -> None:
        interval = min(max(self.settings.email_retry_base_seconds, 1.0), 30.0)
        while True:
            try:
                await self.maintain_once()
            except Exception:
                log.exception("email maintenance failed; trying again later")
            await asyncio.sleep(interval)


def build_email_features(
    settings: Settings, db: Database, box: SecretBox, sessions: SessionService, clock: Clock = utc_now
) -> EmailFeatures:
    redirects = RedirectPolicy(settings.client_url, settings.allowed_redirect_urls)
    templates = EmailTemplates(settings.email_templates_dir, settings.default_locale)
    templates.check(settings.allowed_locales)
    background = Background()
    postman = Postman(db, build_mailer(settings), settings, background, clock)
    tickets = TicketService(box.derive(b"authward/email-otp/v1"), clock)
    mail = TicketMail(tickets, EmailComposer(templates, settings), postman)
    front = PasswordlessEmail(db, mail, redirects, background, settings, clock)
    return EmailFeatures(
        redirects=redirects,
        background=background,
        postman=postman,
        mail=mail,
        verification=EmailVerificationService(db, mail, redirects, background, settings),
        email_change=EmailChangeService(db, mail, redirects, settings, clock),
        magic_links=MagicLinkService(front, settings),
        email_otp=EmailOtpService(db, front, sessions, settings, clock),
        redemption=TicketRedemption(db, tickets, sessions, settings, clock),
        tickets=tickets,
        db=db,
        settings=settings,
    )
