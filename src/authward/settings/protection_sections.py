"""The sections that protect the server: shared state (Redis), rate limits, long-lived credentials,
notification mails, captcha."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from authward.settings.section_base import CsvList, Section, http_url

_RATE = r"^\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?$"


def _rate(default: str) -> Any:
    """A `limits` rate string: "10/5 minutes", "100 per hour"."""
    return Field(default=default, pattern=_RATE)


class RedisSettings(Section):
    """[redis]: state shared between server processes (rate-limit counters)."""

    url: str | None = None  # redis://127.0.0.1:6379/0; unset: counters live in each process's memory


class RateLimitSettings(Section):
    """[ratelimit]: moving-window limits (the `limits` library), per client IP and per account.

    Defaults are Nhost's buckets where Nhost has one (nhost-auth-notes.md §5).
    """

    enabled: bool = True
    global_enabled: bool = False  # Nhost's global bucket: every request, hot reads included
    global_limit: str = _rate("100/minute")
    signin: str = _rate("10/5 minutes")  # per IP: code, ticket and MFA checks, /oauth/ro, /oauth2/login
    password_signin: str = _rate("30/5 minutes")  # per IP: password sign-ins (one IP, many accounts)
    signup: str = _rate("10/5 minutes")  # per IP: /signup/*, /dbconnections/signup
    email: str = _rate("10/hour")  # per IP: every request that sends a mail
    sms: str = _rate("10/hour")  # per IP: every request that sends an SMS
    oauth_token: str = _rate("100/5 minutes")  # per IP: /oauth/token, /oauth2/token, introspection
    refresh: str = _rate("300/5 minutes")  # per IP: POST /token
    anonymous: str = _rate("10/hour")  # per IP: anonymous users created
    anonymous_daily: str = _rate("50/day")  # per IP: anonymous users created, the daily cap beyond the bucket
    account_failures: str = _rate("10/5 minutes")  # per account: failures from IPs without a recent success
    address_sends: str = _rate("5/hour")  # per address or number: mails and SMS sent to it
    known_ip_days: int = Field(default=30, ge=1, le=365)  # an IP with a success this recent is never locked out
    key_prefix: str = Field(default="authward", min_length=1, max_length=64)


class SecuritySettings(Section):
    """[security]: long-lived credentials and client IPs."""

    recent_auth_max_age: int = Field(default=600, ge=1, le=86_400)  # sensitive changes: seconds since auth_time
    pat_max_lifetime: int = Field(default=90 * 86_400, ge=60)  # seconds
    pat_skips_mfa: bool = False  # a PAT of a user with MFA opens a session (else an MFA challenge)
    trusted_proxies: CsvList = Field(default_factory=list)  # IPs or CIDRs whose X-Forwarded-For is honoured
    conceal_errors: bool = False  # Nhost's AUTH_CONCEAL_ERRORS: sensitive error codes answer `invalid-request`

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            ipaddress.ip_network(item, strict=False)
        return value


class NotifySettings(Section):
    """[notify]: a mail to the account's address after a security-relevant change (ASVS 6.3.7)."""

    password_changed: bool = True
    password_reset: bool = True
    email_changed: bool = True  # sent to the old address
    mfa_enabled: bool = True
    mfa_disabled: bool = True
    passkey_added: bool = True
    pat_created: bool = True


class CaptchaProvider(StrEnum):
    NONE = "none"
    RECAPTCHA = "recaptcha"
    HCAPTCHA = "hcaptcha"
    TURNSTILE = "turnstile"


SITEVERIFY_URLS = {
    CaptchaProvider.RECAPTCHA: "https://www.google.com/recaptcha/api/siteverify",
    CaptchaProvider.HCAPTCHA: "https://api.hcaptcha.com/siteverify",
    CaptchaProvider.TURNSTILE: "https://challenges.cloudflare.com/turnstile/v0/siteverify",
}


class CaptchaSettings(Section):
    """[captcha]: a captcha token on sign-up and passwordless starts (docs/security.md)."""

    provider: CaptchaProvider = CaptchaProvider.NONE  # none: no captcha asked
    secret: SecretStr | None = None
    siteverify_url: str | None = None  # unset: the provider's own
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    min_score: float = Field(default=0.0, ge=0, le=1)  # reCAPTCHA v3: refuse answers scored below
    site_key: str | None = Field(default=None, min_length=1, max_length=256)  # the hosted pages' widget
    widget_script_url: str | None = None  # unset: the provider's own (api/pages/captcha_widget.py)

    @field_validator("widget_script_url")
    @classmethod
    def _script_url(cls, value: str | None) -> str | None:
        return None if value is None else http_url(value)

    @model_validator(mode="after")
    def _secret_when_on(self) -> CaptchaSettings:
        if self.provider is not CaptchaProvider.NONE and self.secret is None:
            raise ValueError("AUTHWARD_CAPTCHA_SECRET is required with a captcha provider")
        return self

    @property
    def verify_url(self) -> str:
        return self.siteverify_url or SITEVERIFY_URLS.get(self.provider, "")
