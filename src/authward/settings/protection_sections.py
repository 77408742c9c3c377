"""The sections that protect the server: shared state (Redis), rate limits, long-lived credentials."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from authward.settings.section_base import CsvList, Section

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
