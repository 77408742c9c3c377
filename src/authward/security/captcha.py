"""One captcha verifier for reCAPTCHA, hCaptcha and Cloudflare Turnstile.

The three share the siteverify protocol: a form POST of `secret`, `response` (the token the widget
gave the browser) and `remoteip`, answered `{"success": true|false, ...}` (reCAPTCHA v3 adds a
`score`). A verifier that cannot be reached, or answers anything else, refuses: a captcha that
fails open would be no captcha during an outage an attacker can cause.
"""

from __future__ import annotations

import logging

import httpx

from authward.errors import AuthError, ErrorCode
from authward.settings import CaptchaProvider, CaptchaSettings

log = logging.getLogger("authward")

MAX_TOKEN_LENGTH = 4096  # provider tokens are ~2 KiB at most


class CaptchaVerifier:
    def __init__(self, settings: CaptchaSettings, http: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._http = http  # injected in tests; else one client for the process, made on first use

    @property
    def enabled(self) -> bool:
        return self._settings.provider is not CaptchaProvider.NONE

    async def verify(self, token: str | None, remote_ip: str | None) -> None:
        """Raise `invalid-captcha` unless the provider accepts `token` (nothing when no provider is set)."""
        if not self.enabled:
            return
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise AuthError(ErrorCode.INVALID_CAPTCHA, "A captcha token is required")
        secret = self._settings.secret.get_secret_value() if self._settings.secret else ""
        form = {"secret": secret, "response": token}
        if remote_ip:
            form["remoteip"] = remote_ip
        try:
            if self._http is None:
                self._http = httpx.AsyncClient(timeout=self._settings.timeout_seconds)
            response = await self._http.post(self._settings.verify_url, data=form,
                                             timeout=self._settings.timeout_seconds)
            answer = response.json() if response.status_code == 200 else {}
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("captcha verifier unreachable (%s): request refused", exc)
            raise AuthError(ErrorCode.INVALID_CAPTCHA, "The captcha could not be checked; try again") from None
        if not isinstance(answer, dict) or answer.get("success") is not True:
            raise AuthError(ErrorCode.INVALID_CAPTCHA)
        score = answer.get("score")
        if isinstance(score, int | float) and score < self._settings.min_score:
            raise AuthError(ErrorCode.INVALID_CAPTCHA)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
