"""Deleting one user: the one way a user row goes, so every deletion shuts the account alike.

An access token is checked without the database, so a deleted user's token would pass `/token/verify`
until it expires unless the deletion records a cutoff (security/revocations.py). The admin API, the CLI
and the user's own `DELETE /user` all delete through `deleting_user`: the refresh-token families are
revoked first (their locks taken before the rows go, as everywhere), the row is deleted (its sessions,
tickets, credentials, PATs, provider links and consents cascade), and after the commit every instance is
told to refuse the user's access tokens. The caller's own work (an audit row, a staged mail, a check
that refuses) runs inside the same transaction, before the delete.

Stale anonymous users (methods/anonymous) are deleted in bulk without a cutoff: they have not been seen
for `AUTHWARD_ANONYMOUS_USERS_MAX_AGE`, so every access token they were given has expired unless that
age is set below the access tokens' lifetime.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from authward.errors import AuthError
from authward.security.revocations import DELETED, Revocations
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo


@asynccontextmanager
async def deleting_user(db: Database, revocations: Revocations | None, user_id: uuid.UUID,
                        missing: Callable[[], AuthError]) -> AsyncIterator[tuple[AsyncSession, User]]:
    """Lock the user and hand over (session, user); on a clean exit delete the user and record the cutoff.

    `missing()` is raised when no such user exists (each face words it its own way). An exception raised
    in the block rolls everything back and deletes nothing.
    """
    async with db.write() as session:
        user = await users_repo.get_for_update(session, user_id)
        if user is None:
            raise missing()
        yield session, user
        await tokens_repo.revoke_all_for_user(session, user_id)
        await users_repo.delete_one(session, user_id)
    if revocations is not None:  # after the commit: the token checks that read no user row
        await revocations.revoke_user(user_id, DELETED)
