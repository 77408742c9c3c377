"""A signed-in user's provider identities: list them, unlink one (never the last way to sign in),
read the provider's tokens once after a sign-in, refresh the provider's access token.

A way to sign in, for the unlink rule: a password, another provider link, a passkey (while WebAuthn
is on), a verified email while magic links or email codes are on, a verified phone while SMS sign-in
is on. A personal access token is not one.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.providers.configured import ProviderDirectory
from authward.methods.providers.provider_tokens import ProviderSession, ProviderTokenVault, session_from_token
from authward.methods.providers.upstream import Upstream
from authward.services import audit
from authward.services.users import registered_user_for_change
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import ProviderLink, User
from authward.storage.repos import credentials as credentials_repo
from authward.storage.repos import provider_links as links_repo
from authward.storage.repos import users as users_repo

WEBAUTHN_CREDENTIAL_TYPE = "webauthn"  # the webauthn method's credential rows (methods/webauthn/keys.py)


class ProviderLinks:
    def __init__(self, db: Database, directory: ProviderDirectory, upstream: Upstream, vault: ProviderTokenVault,
                 settings: Settings, clock: Clock = utc_now) -> None:
        self._db, self._directory, self._upstream, self._vault = db, directory, upstream, vault
        self._settings, self._clock = settings, clock

    async def list_links(self, user_id: str) -> list[ProviderLink]:
        async with self._db.read() as session:
            user = await registered_user_for_change(session, user_id)
            return await links_repo.of_user(session, user.id)

    async def unlink(self, user_id: str, link_id: str) -> None:
        try:
            link_uuid = uuid.UUID(link_id)
        except ValueError as exc:
            raise AuthError(ErrorCode.NOT_FOUND, "No such provider link") from exc
        async with self._db.write() as session:
            user = await registered_user_for_change(session, user_id)
            # Locked: an unlink and a passkey removal at once must not both take the last way in.
            locked = await users_repo.get_for_update(session, user.id)
            if locked is None:  # pragma: no cover - loaded just above
                raise AuthError(ErrorCode.UNAUTHENTICATED)
            links = await links_repo.of_user(session, user.id)
            if not any(link.id == link_uuid for link in links):
                raise AuthError(ErrorCode.NOT_FOUND, "No such provider link")
            if len(links) == 1 and not await self._other_ways(session, locked):
                raise AuthError(ErrorCode.INVALID_REQUEST, "This is the last way to sign in to the account")
            await links_repo.remove(session, link_uuid, user.id)
            audit.record(session, "user.provider_unlinked", self._clock(), user.id, link_id=link_id)

    async def _other_ways(self, session: AsyncSession, user: User) -> list[str]:
        settings = self._settings
        ways = []
        if user.password_hash:
            ways.append("password")
        if settings.webauthn.enabled and await credentials_repo.list_for_user(session, user.id,
                                                                               WEBAUTHN_CREDENTIAL_TYPE):
            ways.append("webauthn")
        if user.email and user.email_verified and (settings.email.passwordless_enabled or settings.email.otp_enabled):
            ways.append("email")
        if user.phone_number and user.phone_number_verified and settings.sms.passwordless_enabled:
            ways.append("sms")
        return ways

    async def take_tokens(self, user_id: str, provider: str) -> ProviderSession:
        """The provider's tokens from the last sign-in, once (`not-found` after)."""
        await self._directory.get(provider)
        async with self._db.write() as session:
            user = await registered_user_for_change(session, user_id)
            for link in await links_repo.of_user(session, user.id, provider):
                taken = self._vault.take(link)
                if taken is not None:
                    link.updated_at = self._clock()
                    return taken
        raise AuthError(ErrorCode.NOT_FOUND, "No provider tokens to read: sign in with the provider again")

    async def refresh(self, user_id: str, provider_name: str, refresh_token: str) -> ProviderSession:
        """A new provider access token for a user linked to that provider."""
        provider = await self._directory.get(provider_name)
        async with self._db.read() as session:
            user = await registered_user_for_change(session, user_id)
            if not await links_repo.of_user(session, user.id, provider.name):
                raise AuthError(ErrorCode.NOT_FOUND, "No link to this provider")
        token = await self._upstream.refresh(provider, refresh_token)
        return session_from_token(token, self._clock(), previous_refresh=refresh_token)
