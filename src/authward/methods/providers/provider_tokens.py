"""The provider's tokens after a sign-in, kept encrypted on the link until the app reads them once
(`GET /signin/provider/{provider}/callback/tokens`); reading clears them, as Nhost's does.

The access token and its expiry are one AES-GCM box (purpose `provider-session`), the refresh token
another (`provider-refresh-token`): security/secretbox.py binds each purpose to its ciphertext.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authward.security.secretbox import SecretBox
from authward.storage.models import ProviderLink

ACCESS_PURPOSE = "provider-session"
REFRESH_PURPOSE = "provider-refresh-token"
DEFAULT_EXPIRES_IN = 3600  # a provider that does not say (GitHub's tokens do not expire)


@dataclass(frozen=True)
class ProviderSession:
    access_token: str
    expires_in: int
    expires_at: datetime
    refresh_token: str | None

    def to_json(self) -> dict[str, Any]:
        return {"accessToken": self.access_token, "expiresIn": self.expires_in,
                "expiresAt": self.expires_at.isoformat().replace("+00:00", "Z"), "refreshToken": self.refresh_token}


def session_from_token(token: dict[str, Any], now: datetime, previous_refresh: str | None = None) -> ProviderSession:
    """A token endpoint's answer as the spec's ProviderSession (a refresh may not rotate the refresh token)."""
    expires_in = token.get("expires_in")
    seconds = int(expires_in) if isinstance(expires_in, int | float | str) and str(expires_in).isdigit() else None
    if seconds is None:
        seconds = DEFAULT_EXPIRES_IN
    refresh = token.get("refresh_token")
    return ProviderSession(str(token["access_token"]), seconds, now + timedelta(seconds=seconds),
                           refresh if isinstance(refresh, str) and refresh else previous_refresh)


class ProviderTokenVault:
    def __init__(self, box: SecretBox) -> None:
        self._box = box

    def store(self, link: ProviderLink, session: ProviderSession) -> None:
        blob = json.dumps({"accessToken": session.access_token, "expiresIn": session.expires_in,
                           "expiresAt": session.expires_at.isoformat()}).encode()
        link.access_token_encrypted = self._box.encrypt(blob, ACCESS_PURPOSE)
        link.refresh_token_encrypted = (self._box.encrypt(session.refresh_token.encode(), REFRESH_PURPOSE)
                                        if session.refresh_token else None)

    def take(self, link: ProviderLink) -> ProviderSession | None:
        """The stored session, removed from the link; None when there is none (read already)."""
        if link.access_token_encrypted is None:
            return None
        data = json.loads(self._box.decrypt(link.access_token_encrypted, ACCESS_PURPOSE))
        refresh = (self._box.decrypt(link.refresh_token_encrypted, REFRESH_PURPOSE).decode()
                   if link.refresh_token_encrypted is not None else None)
        link.access_token_encrypted = None
        link.refresh_token_encrypted = None
        return ProviderSession(data["accessToken"], int(data["expiresIn"]), datetime.fromisoformat(data["expiresAt"]),
                               refresh)
