"""Turning a ticket or a code into the email that carries it (link, template, locale)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from authward.delivery.email import OutgoingEmail
from authward.delivery.templates import EmailTemplates, Template, duration_phrase
from authward.settings import Settings
from authward.storage.ticket_kinds import LINK_TYPES, TicketKind

TEMPLATE_OF: dict[TicketKind, Template] = {
    TicketKind.VERIFY_EMAIL: Template.EMAIL_VERIFY,
    TicketKind.PASSWORDLESS_EMAIL: Template.SIGNIN_PASSWORDLESS,
    TicketKind.PASSWORD_RESET: Template.PASSWORD_RESET,
    TicketKind.EMAIL_CONFIRM_CHANGE: Template.EMAIL_CONFIRM_CHANGE,
}


@dataclass(frozen=True)
class Recipient:
    """Who the message is about; `to` differs from `email` only for an email change."""

    to: str
    email: str
    display_name: str
    locale: str | None


class EmailComposer:
    def __init__(self, templates: EmailTemplates, settings: Settings) -> None:
        self._templates = templates
        self._settings = settings

    def verify_link(self, ticket: str, kind: TicketKind, redirect_to: str) -> str:
        """Nhost's link: `<public url>/verify?ticket=...&type=...&redirectTo=...`."""
        query = urlencode({"ticket": ticket, "type": LINK_TYPES[kind], "redirectTo": redirect_to}, safe=":")
        return f"{self._settings.server.public_url}/verify?{query}"

    def _context(self, who: Recipient, ttl_seconds: int) -> dict[str, object]:
        locale = who.locale or self._settings.users.default_locale
        return {
            "displayName": who.display_name, "email": who.email, "newEmail": None,
            "serverUrl": self._settings.server.public_url, "clientUrl": self._settings.server.client_url,
            "expiresIn": duration_phrase(ttl_seconds, locale), "expiresInMinutes": max(1, ttl_seconds // 60),
            "link": None, "code": None, "ticket": None, "redirectTo": None, "event": None,
        }

    def link_email(
        self, who: Recipient, kind: TicketKind, ticket: str, redirect_to: str, ttl_seconds: int,
        *, new_email: str | None = None,
    ) -> OutgoingEmail:
        context = self._context(who, ttl_seconds)
        context.update(link=self.verify_link(ticket, kind, redirect_to), ticket=ticket, redirectTo=redirect_to,
                       newEmail=new_email)
        rendered = self._templates.render(TEMPLATE_OF[kind], who.locale, context)
        return OutgoingEmail(who.to, rendered.subject, rendered.text, rendered.html)

    def invite_email(self, who: Recipient, ticket: str, ttl_seconds: int) -> OutgoingEmail:
        """An invitation: the link opens the hosted page where the invitee chooses a password."""
        context = self._context(who, ttl_seconds)
        link = f"{self._settings.server.public_url}/invite?{urlencode({'ticket': ticket}, safe=':')}"
        context.update(link=link, ticket=ticket)
        rendered = self._templates.render(Template.INVITE, who.locale, context)
        return OutgoingEmail(who.to, rendered.subject, rendered.text, rendered.html)

    def plain_email(self, who: Recipient, template: Template) -> OutgoingEmail:
        """A message with no link nor code (an account deleted)."""
        rendered = self._templates.render(template, who.locale, self._context(who, 60))
        return OutgoingEmail(who.to, rendered.subject, rendered.text, rendered.html)

    def code_email(self, who: Recipient, code: str, ttl_seconds: int) -> OutgoingEmail:
        context = self._context(who, ttl_seconds)
        context.update(code=code)
        rendered = self._templates.render(Template.SIGNIN_OTP, who.locale, context)
        return OutgoingEmail(who.to, rendered.subject, rendered.text, rendered.html)

    def notice_email(self, who: Recipient, event: str, *, new_email: str | None = None) -> OutgoingEmail:
        """A security notice (`security-notice`): no link, no secret, only what changed."""
        context = self._context(who, 0)
        context.update(event=event, newEmail=new_email)
        rendered = self._templates.render(Template.SECURITY_NOTICE, who.locale, context)
        return OutgoingEmail(who.to, rendered.subject, rendered.text, rendered.html)
