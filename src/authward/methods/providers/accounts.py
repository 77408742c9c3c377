"""Which user a provider identity opens, by these rules (docs/social.md, "Linking rules"):

1. An identity already linked, by (provider, provider user id), is its user.
2. Otherwise, an email address the provider *verified* that belongs to an existing user links the
   identity to that user (Nhost's behaviour) and counts as proof of the mailbox: the address becomes
   verified, and an unverified password set by whoever registered it is dropped when verification
   is required (services/email_accounts.mark_email_proven). An address the provider did not verify
   never joins an existing account (account takeover): `user-already-exists`, and the user signs in
   the way they registered and links the provider from there.
3. Otherwise a new user is created, when sign-up is allowed: `/signup/...`, or `/signin/...` unless
   AUTHWARD_DISABLE_AUTO_SIGNUP (then `invalid-email-password`, as the spec says).
A sign-up (`/signup/...`) for an identity or address that already has a user is `user-already-exists`.
Linking to a signed-in user (`connect`, `POST /link/idtoken`): an identity linked to another user is
`provider-account-already-linked`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.providers.profiles import ProviderProfile
from authward.methods.providers.state import Flow
from authward.services import audit
from authward.services.email_accounts import mark_email_proven
from authward.services.users import ProfileOptions, new_user, normalise_email, valid_display_name
from authward.settings import Settings
from authward.storage.models import ProviderLink, User
from authward.storage.repos import provider_links as links_repo
from authward.storage.repos import users as users_repo


def concurrent_sign_in() -> AuthError:
    """Two sign-ins of one new identity at once: the second loses the unique (provider, id) race."""
    return AuthError(ErrorCode.INVALID_REQUEST, "Another sign-in with this account finished first: try again")


@dataclass(frozen=True)
class Resolved:
    user: User
    link: ProviderLink
    created: bool  # a new user


class ProviderAccounts:
    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self._settings = settings
        self._clock = clock

    async def resolve(self, session: AsyncSession, provider: str, profile: ProviderProfile, flow: Flow,
                      options: ProfileOptions) -> Resolved:
        """The user this identity signs in (rules 1-3 above); the link is created or refreshed."""
        link = await links_repo.find(session, provider, profile.id)
        if link is not None:
            if flow is Flow.SIGN_UP:
                raise AuthError(ErrorCode.USER_ALREADY_EXISTS)
            user = await users_repo.get(session, link.user_id)
            if user is None:  # pragma: no cover - the link cascades with its user
                raise AuthError(ErrorCode.INVALID_REQUEST)
            return Resolved(user, link, created=False)
        email = self._email_of(profile)
        existing = await users_repo.get_by_email(session, email) if email is not None else None
        if existing is not None:
            if flow is Flow.SIGN_UP or not profile.email_verified:
                raise AuthError(ErrorCode.USER_ALREADY_EXISTS)
            await mark_email_proven(session, existing, self._settings, self._clock)
            return Resolved(existing, await self._link(session, existing, provider, profile), created=False)
        users = self._settings.users
        if users.disable_signup:
            raise AuthError(ErrorCode.SIGNUP_DISABLED)
        if flow is Flow.SIGN_IN and users.disable_auto_signup:
            raise AuthError(ErrorCode.INVALID_EMAIL_PASSWORD)
        user = self._new_user(profile, email, options)
        await users_repo.add(session, user)
        audit.record(session, "user.signed_up", self._clock(), user.id, method="provider", provider=provider)
        return Resolved(user, await self._link(session, user, provider, profile), created=True)

    async def link_to(self, session: AsyncSession, user: User, provider: str, profile: ProviderProfile) -> ProviderLink:
        """Link an identity to a signed-in user (idempotent for its own identity)."""
        link = await links_repo.find(session, provider, profile.id)
        if link is not None:
            if link.user_id != user.id:
                raise AuthError(ErrorCode.PROVIDER_ACCOUNT_ALREADY_LINKED)
            return link
        return await self._link(session, user, provider, profile)

    async def _link(self, session: AsyncSession, user: User, provider: str, profile: ProviderProfile) -> ProviderLink:
        now = self._clock()
        link = ProviderLink(id=uuid.uuid4(), user_id=user.id, provider=provider, provider_user_id=profile.id,
                            access_token_encrypted=None, refresh_token_encrypted=None, created_at=now,
                            updated_at=now)
        await links_repo.add(session, link)
        audit.record(session, "user.provider_linked", now, user.id, provider=provider)
        return link

    @staticmethod
    def _email_of(profile: ProviderProfile) -> str | None:
        if profile.email is None:
            return None
        try:
            return normalise_email(profile.email)
        except AuthError:
            return None  # an address we cannot store is as good as none

    def _new_user(self, profile: ProviderProfile, email: str | None, options: ProfileOptions) -> User:
        display_name = options.display_name
        if display_name is None and profile.display_name:
            candidate = profile.display_name[:32]
            display_name = candidate if valid_display_name(candidate) else None
        chosen = ProfileOptions(
            display_name=display_name, locale=options.locale, default_role=options.default_role,
            allowed_roles=options.allowed_roles, metadata=options.metadata,
            avatar_url=profile.avatar_url if profile.avatar_url and len(profile.avatar_url) <= 2048 else None,
        )
        user = new_user(self._settings, chosen, email=email, clock=self._clock)
        user.email_verified = email is not None and profile.email_verified
        return user
