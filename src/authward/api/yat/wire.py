"""Yat's TokenResponse JSON from a session or a pending MFA challenge."""

from __future__ import annotations

from typing import Any

from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge
from authward.services.sign_in_policy import MFA_TYPE_TOTP


def token_json(outcome: IssuedSession | MfaChallenge) -> dict[str, Any]:
    """A pending second factor gets no access token: the ticket rides in `refresh_token`, as Yat's docs say
    to send that value to `POST /auth/2fa`."""
    if isinstance(outcome, MfaChallenge):
        return {"access_token": "", "refresh_token": outcome.ticket, "requires_2fa": [MFA_TYPE_TOTP]}
    return {"access_token": outcome.access_token, "refresh_token": outcome.refresh_token, "requires_2fa": None}
