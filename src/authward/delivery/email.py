"""Email delivery: one small interface, two mailers chosen by `AUTHWARD_SMTP_HOST`.

`SmtpMailer` talks SMTP through aiosmtplib (plain, STARTTLS or implicit TLS), each attempt bounded
by `AUTHWARD_SMTP_TIMEOUT_SECONDS`. `OutboxMailer` is the embedded default when no SMTP server is
configured: nothing leaves the machine, the message stays readable in the outbox table
(`authward outbox`, `GET /dev/outbox` in dev mode) and is printed to the log.

Mailers only deliver; queueing, retries and the outbox status live in `delivery/postman.py`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

import aiosmtplib

from authward.settings import Settings, SmtpSecurity

log = logging.getLogger("authward.mail")


class MailDeliveryError(Exception):
    """The server did not take the message; the text names the cause, never the body."""


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str = field(repr=False)
    html: str | None = field(default=None, repr=False)


class Mailer(Protocol):
    # The outbox status a successful delivery ends in: "sent", or "logged" for the dev outbox.
    delivered_status: str

    async def send(self, message: OutgoingEmail) -> None: ...


def build_message(message: OutgoingEmail, sender: str) -> EmailMessage:
    """A MIME message: text/plain, plus text/html as the preferred alternative when there is one."""
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = message.to
    mime["Subject"] = " ".join(message.subject.split())  # one line: no header injection
    mime["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    mime["Message-ID"] = make_msgid(domain=domain)
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(message.text)
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html")
    return mime


class SmtpMailer:
    delivered_status = "sent"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        security: SmtpSecurity = SmtpSecurity.STARTTLS,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._security = security
        self._username = username
        self._password = password
        self._timeout = timeout

    async def send(self, message: OutgoingEmail) -> None:
        mime = build_message(message, self._sender)
        try:
            await aiosmtplib.send(
                mime,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security is SmtpSecurity.TLS,
                start_tls=True if self._security is SmtpSecurity.STARTTLS else False,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise MailDeliveryError(f"SMTP server answered {exc.code}: {exc.message[:200]}") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailDeliveryError(f"SMTP delivery failed: {type(exc).__name__}: {str(exc)[:200]}") from None


class OutboxMailer:
    """Development: the message is kept in the outbox (status `logged`) and printed to the log."""

    delivered_status = "logged"

    async def send(self, message: OutgoingEmail) -> None:
        # A warning: mail is not going out, and the message must reach the console in every setup.
        log.warning("email (dev outbox, not sent: no AUTHWARD_SMTP_HOST) to %s: %s\n%s",
                    message.to, message.subject, message.text)


def build_mailer(settings: Settings) -> Mailer:
    if not settings.email.smtp_host:
        return OutboxMailer()
    return SmtpMailer(
        settings.email.smtp_host,
        settings.email.smtp_port,
        settings.email.smtp_sender,
        security=settings.email.smtp_secure,
        username=settings.email.smtp_user,
        password=settings.email.smtp_password.get_secret_value() if settings.email.smtp_password else None,
        timeout=settings.email.smtp_timeout_seconds,
    )
