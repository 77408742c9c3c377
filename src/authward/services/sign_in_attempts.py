"""Per-account limits on failed sign-ins that cannot lock a victim out.

Failures count against the account (its normalised email, number...) only from IPs that have not
signed in to it successfully within AUTHWARD_RATELIMIT_KNOWN_IP_DAYS; from such a known IP the
account limit does not apply (the per-IP limits still do). An attacker spraying guesses from new IPs
exhausts the account's budget for new IPs only: its owner keeps signing in from the IPs they used.
"""

from __future__ import annotations

from authward.errors import AuthError, ErrorCode
from authward.security.client_ip import CLIENT_IP
from authward.security.ratelimit import RateLimiter
from authward.settings import Settings


class SignInAttempts:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        self._settings = settings.ratelimit
        self._known_rate = f"1/{self._settings.known_ip_days} days"

    @property
    def enabled(self) -> bool:
        return self._settings.enabled

    async def _known(self, account: str, ip: str | None) -> bool:
        return ip is not None and not await self._limiter.test(self._known_rate, "known-ip", account, ip)

    async def check(self, account: str) -> None:
        """Raise `too-many-requests` when the account refuses more attempts from this IP."""
        if not self.enabled:
            return
        ip = CLIENT_IP.get()
        if await self._known(account, ip):
            return
        if not await self._limiter.test(self._settings.account_failures, "account-failures", account):
            raise AuthError(ErrorCode.TOO_MANY_REQUESTS)

    async def failed(self, account: str) -> None:
        if self.enabled and not await self._known(account, CLIENT_IP.get()):
            await self._limiter.hit(self._settings.account_failures, "account-failures", account)

    async def succeeded(self, account: str) -> None:
        ip = CLIENT_IP.get()
        if self.enabled and ip is not None:
            await self._limiter.hit(self._known_rate, "known-ip", account, ip)

    async def may_send(self, address: str) -> bool:
        """Count one mail to `address`: False past AUTHWARD_RATELIMIT_ADDRESS_SENDS (send nothing then;
        the caller answers as if it had sent, so the limit tells nobody whether the address has an account)."""
        return not self.enabled or await self.send_allowed(address, self._settings.address_sends, "sends")

    async def send_allowed(self, address: str, rate: str, purpose: str) -> bool:
        """Count one send to `address` against `rate` (atomic: a parallel burst passes no more than the limit).

        Requests from an IP that signed in to this address recently count in a bucket of their own, so a
        stranger exhausting the address's budget does not stop its owner from getting a code or a link.
        Counted even with AUTHWARD_RATELIMIT_ENABLED off: the caller's own settings (SMS resend) ask for it.
        """
        account = address.lower()
        ip = CLIENT_IP.get()
        scope = (purpose, account, "from", ip) if ip is not None and await self._known(account, ip) else (purpose,
                                                                                                           account)
        return (await self._limiter.hit(rate, *scope)).allowed
