"""Users behind an email address proven by a link or a code (magic link, email OTP).

An unknown address gets no user when the link or code is requested: the sign-up options travel in
the ticket and the user is created when the ticket is redeemed. So a request for someone else's
address creates nothing (no squatting an address with chosen roles or metadata, no junk users),
and asking tells nothing about who is registered.

When verification is required, proving an address that was registered but never verified also
drops the password set at that sign-up and ends its sessions: whoever registered it without owning
the address (a pre-hijack) loses access; the owner, who could not sign in with it anyway, can set a
password with a reset. Without required verification, unverified passwords are in use, so they stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.services import audit
from authward.services.users import ProfileOptions, new_user
from authward.settings import Settings
from authward.storage.models import User
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import users as users_repo


def options_payload(options: ProfileOptions) -> dict[str, Any]:
    """The validated sign-up options as JSON for a ticket payload."""
    return {
        "displayName": options.display_name, "locale": options.locale, "defaultRole": options.default_role,
        "allowedRoles": options.allowed_roles, "metadata": options.metadata or {},
    }


def options_from_payload(data: dict[str, Any] | None) -> ProfileOptions:
    data = data or {}
    return ProfileOptions(
        display_name=data.get("displayName"), locale=data.get("locale"), default_role=data.get("defaultRole"),
        allowed_roles=data.get("allowedRoles"), metadata=data.get("metadata") or {},
    )


async def mark_email_proven(session: AsyncSession, user: User, settings: Settings, clock: Clock = utc_now) -> None:
    """The owner of `user.email` just proved it: verified from now on (see the module's note)."""
    if user.email_verified:
        return
    now = clock()
    if settings.users.email_verification_required and user.password_hash is not None:
        user.password_hash = None
        await tokens_repo.revoke_all_for_user(session, user.id)
        audit.record(session, "user.unverified_password_dropped", now, user.id)
    user.email_verified = True
    user.updated_at = now


async def user_for_proven_email(
    session: AsyncSession,
    settings: Settings,
    email: str,
    options: dict[str, Any] | None,
    method: str,
    clock: Clock = utc_now,
) -> User:
    """The user of `email`, created now from the ticket's options when there is none yet."""
    user = await users_repo.get_by_email(session, email)
    if user is not None:
        await mark_email_proven(session, user, settings, clock)
        return user
    if settings.users.disable_signup:
        raise AuthError(ErrorCode.SIGNUP_DISABLED)
    user = new_user(settings, options_from_payload(options), email=email, clock=clock)
    user.email_verified = True
    await users_repo.add(session, user)
    audit.record(session, "user.signed_up", clock(), user.id, method=method)
    return user
