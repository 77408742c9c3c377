"""The login session of a browser at the authorization server (the hosted pages' cookie).

It is an ordinary first-party session: a sign-in on the hosted pages ends in the sign-in completion
like every other, and the cookie holds that session's refresh token (HttpOnly, never readable by a
script). /authorize only looks the token up, it never rotates it: the session is live while its
token is active and unexpired and its user may still sign in. Logging out revokes the family.
"""

from __future__ import annotations

import uuid
from typing import Any

from authward.clock import Clock, utc_now
from authward.security.secrets_at_rest import hash_secret
from authward.services.oauth.authorization import LoginState
from authward.services.sign_in_policy import SignInPolicy
from authward.storage.db import Database
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo

COOKIE_NAME = "authward_session"
MAX_COOKIE_VALUE = 256


def cookie_attributes(public_url: str, max_age: int) -> dict[str, Any]:
    """HttpOnly, SameSite=Lax (a top-level GET from the client's site carries it), Secure over https."""
    return {"httponly": True, "samesite": "lax", "secure": public_url.startswith("https://"), "path": "/",
            "max_age": max_age}


class BrowserSessions:
    def __init__(self, db: Database, policy: SignInPolicy, clock: Clock = utc_now) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    async def login_state(self, cookie: str | None) -> LoginState | None:
        """Who the cookie signs in, or None (no cookie, ended, expired, or a user who may not sign in)."""
        if not cookie or len(cookie) > MAX_COOKIE_VALUE:
            return None
        async with self._db.read() as session:
            row = await tokens_repo.get_by_hash(session, hash_secret(cookie))
            if row is None or row.status != "active" or row.expires_at <= self._clock() or row.client_id is not None:
                return None
            user = await users_repo.get(session, row.user_id)
        if user is None or self._policy.refusal(user) is not None:
            return None
        return LoginState(user.id, row.auth_time, list(row.amr), row.family_id)

    async def end(self, cookie: str | None) -> uuid.UUID | None:
        """Revoke the cookie's session (logout); the user it belonged to, if any."""
        if not cookie or len(cookie) > MAX_COOKIE_VALUE:
            return None
        async with self._db.write() as session:
            row = await tokens_repo.get_by_hash(session, hash_secret(cookie))
            if row is None or row.client_id is not None:
                return None
            await tokens_repo.revoke_family(session, row.family_id)
            return row.user_id
