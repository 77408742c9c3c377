"""`forbidden-anonymous`: what an anonymous user may not do (own credentials such as PATs, MFA, email)."""

from __future__ import annotations

from authward.errors import AuthError, ErrorCode
from authward.services.users import load_active_user
from authward.storage.db import Database
from authward.storage.models import User


def reject_anonymous(user: User) -> User:
    if user.is_anonymous:
        raise AuthError(ErrorCode.FORBIDDEN_ANONYMOUS)
    return user


async def load_registered_user(db: Database, user_id: str) -> User:
    """The active, non-anonymous user behind a verified access token."""
    return reject_anonymous(await load_active_user(db, user_id))
