"""Have I Been Pwned's range API (k-anonymity): is a new password among the breached ones?

Only the first five hex digits of the password's SHA-1 leave the server; the API answers every suffix
of that prefix with its count, padded with zero-count decoys (`Add-Padding: true`) so that the answer's
size says nothing either. The suffix is compared here, in constant time. An API that cannot be
reached lets the password through with a logged warning (fail-open), or refuses it when
AUTHWARD_PASSWORD_HIBP_FAIL_CLOSED is set: the operator chooses between availability and the check.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

import httpx

from authward.errors import AuthError, ErrorCode
from authward.settings import PasswordSettings

log = logging.getLogger("authward")

PREFIX_LENGTH = 5


class BreachedPasswords:
    def __init__(self, settings: PasswordSettings, http: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._http = http  # injected in tests; else one client for the process, made on first use

    @property
    def enabled(self) -> bool:
        return self._settings.hibp_enabled

    async def check(self, password: str) -> None:
        """Raise `password-in-hibp-database` for a breached password (nothing when the check is off)."""
        if not self.enabled:
            return
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:PREFIX_LENGTH], digest[PREFIX_LENGTH:]
        try:
            body = await self._range(prefix)
        except (httpx.HTTPError, ValueError) as exc:
            if self._settings.hibp_fail_closed:
                log.warning("breached-password check unavailable (%s): password refused (fail-closed)", exc)
                raise AuthError(ErrorCode.INTERNAL_SERVER_ERROR,
                                "The breached-password check is unavailable; try again later", status=503) from None
            log.warning("breached-password check unavailable (%s): password accepted unchecked", exc)
            return
        if _listed(body, suffix):
            raise AuthError(ErrorCode.PASSWORD_IN_HIBP_DATABASE)

    async def _range(self, prefix: str) -> str:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._settings.hibp_timeout_seconds)
        url = f"{self._settings.hibp_url.rstrip('/')}/range/{prefix}"
        response = await self._http.get(url, headers={"Add-Padding": "true", "User-Agent": "authward"},
                                        timeout=self._settings.hibp_timeout_seconds)
        if response.status_code != 200:
            raise ValueError(f"HTTP {response.status_code}")
        return response.text

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()


def _listed(body: str, suffix: str) -> bool:
    """Whether `suffix` is in the `SUFFIX:COUNT` lines with a count above zero (padding lines count 0)."""
    found = False
    for line in body.splitlines():
        candidate, _, count = line.strip().partition(":")
        if hmac.compare_digest(candidate.upper().encode(), suffix.encode()):
            found = found or (count.strip().isdigit() and int(count) > 0)
    return found
