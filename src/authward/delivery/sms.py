"""SMS delivery: one small interface, three providers chosen by `AUTHWARD_SMS_PROVIDER`.

`log` (development) writes the message to the server log and to the outbox table; `twilio` calls
Twilio's Messages REST API; `webhook` POSTs HMAC-signed JSON to an endpoint of your own. Every sender
raises `SmsDeliveryError` on failure, and the error never carries the message body (it holds a code).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

import httpx
import orjson

from authward import __version__
from authward.clock import Clock, utc_now
from authward.settings import Settings, SmsProvider
from authward.storage.db import Database
from authward.storage.models import OutboxMessage
from authward.storage.repos import outbox as outbox_repo

log = logging.getLogger("authward.sms")

WEBHOOK_SIGNATURE_HEADER = "x-authward-signature"
WEBHOOK_TIMESTAMP_HEADER = "x-authward-timestamp"


class SmsDeliveryError(Exception):
    """The provider did not accept the message (network error, refusal, bad number)."""


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str = field(repr=False)
    code: str | None = field(default=None, repr=False)  # the code inside `body`, for webhooks that write their own text
    locale: str | None = None


class SmsSender(Protocol):
    async def send(self, message: SmsMessage) -> None: ...

    async def aclose(self) -> None: ...


class LogSmsSender:
    """Development provider: nothing leaves the machine; read codes in the log, `authward outbox` or
    `GET /dev/outbox` (dev mode)."""

    def __init__(self, db: Database, clock: Clock = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def send(self, message: SmsMessage) -> None:
        now = self._clock()
        # WARNING, as the email dev outbox: the server configures no handler for INFO, so it would not show.
        log.warning("SMS (log provider, not sent) to %s: %s", message.to, message.body)
        async with self._db.write() as session:
            await outbox_repo.add(session, OutboxMessage(
                channel="sms", recipient=message.to, subject="", body_text=message.body, body_html=None,
                status=outbox_repo.LOGGED, attempts=0, created_at=now, sent_at=now,
            ))

    async def aclose(self) -> None:
        return None


class TwilioSmsSender:
    """Twilio Messages API: form-encoded POST with HTTP basic auth (account SID, auth token)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        base_url: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("Twilio needs a sender number or a messaging service SID")
        self._path = f"/2010-04-01/Accounts/{quote(account_sid, safe='')}/Messages.json"
        self._from = from_number
        self._service = messaging_service_sid
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), auth=httpx.BasicAuth(account_sid, auth_token), timeout=timeout,
            headers={"user-agent": f"authward/{__version__}", "accept": "application/json"},
        )

    async def send(self, message: SmsMessage) -> None:
        form = {"To": message.to, "Body": message.body}
        if self._service:
            form["MessagingServiceSid"] = self._service
        else:
            form["From"] = self._from or ""
        try:
            response = await self._client.post(self._path, data=form)
        except httpx.HTTPError as exc:
            raise SmsDeliveryError(f"Twilio request failed: {type(exc).__name__}") from None
        if not response.is_success:
            raise SmsDeliveryError(f"Twilio answered {response.status_code}: {_twilio_error(response)}")

    async def aclose(self) -> None:
        await self._client.aclose()


def _twilio_error(response: httpx.Response) -> str:
    """Twilio's error code and message (e.g. 21211 invalid 'To' number); never the request body."""
    try:
        data = response.json()
    except ValueError:
        return "unreadable answer"
    if not isinstance(data, dict):
        return "unreadable answer"
    return f"{data.get('code', '?')} {str(data.get('message', ''))[:200]}".strip()


def webhook_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """`v1=` + hex HMAC-SHA256 over `<timestamp>.<raw body>`: the receiver recomputes and compares."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


class WebhookSmsSender:
    """POSTs `{"to", "body", "code", "locale"}` as JSON, signed so the receiver can trust it."""

    def __init__(self, url: str, secret: bytes, *, timeout: float = 10.0, clock: Clock = utc_now) -> None:
        self._url = url
        self._secret = secret
        self._clock = clock
        self._client = httpx.AsyncClient(timeout=timeout, headers={"user-agent": f"authward/{__version__}"})

    async def send(self, message: SmsMessage) -> None:
        body = orjson.dumps({"to": message.to, "body": message.body, "code": message.code, "locale": message.locale})
        timestamp = str(int(self._clock().timestamp()))
        headers = {
            "content-type": "application/json",
            WEBHOOK_TIMESTAMP_HEADER: timestamp,
            WEBHOOK_SIGNATURE_HEADER: webhook_signature(self._secret, timestamp, body),
        }
        try:
            response = await self._client.post(self._url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SmsDeliveryError(f"SMS webhook request failed: {type(exc).__name__}") from None
        if not response.is_success:
            raise SmsDeliveryError(f"SMS webhook answered {response.status_code}")

    async def aclose(self) -> None:
        await self._client.aclose()


def build_sms_sender(settings: Settings, db: Database, clock: Clock = utc_now) -> SmsSender:
    """The sender the settings choose (the settings validator has checked the provider's options)."""
    if settings.sms.provider == SmsProvider.TWILIO:
        assert settings.sms.twilio_account_sid and settings.sms.twilio_auth_token is not None
        return TwilioSmsSender(
            settings.sms.twilio_account_sid,
            settings.sms.twilio_auth_token.get_secret_value(),
            from_number=settings.sms.twilio_from,
            messaging_service_sid=settings.sms.twilio_messaging_service_sid,
            base_url=settings.sms.twilio_base_url,
            timeout=settings.sms.timeout_seconds,
        )
    if settings.sms.provider == SmsProvider.WEBHOOK:
        assert settings.sms.webhook_url and settings.sms.webhook_secret is not None
        return WebhookSmsSender(
            settings.sms.webhook_url,
            settings.sms.webhook_secret.get_secret_value().encode(),
            timeout=settings.sms.timeout_seconds,
            clock=clock,
        )
    if settings.sms.passwordless_enabled and not settings.server.dev_mode:
        log.warning("AUTHWARD_SMS_PROVIDER=log: SMS codes go to the log and the outbox, not to phones; "
                    "use twilio or webhook in production")
    return LogSmsSender(db, clock)
