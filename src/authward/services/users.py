"""User rules shared by every sign-up path: email normalisation, profile options, roles."""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

DISPLAY_NAME_MAX = 32
_DISPLAY_NAME_PUNCTUATION = frozenset(" ,.'-")


def normalise_email(raw: str) -> str:
    """Syntax-check (no DNS) and normalise; stored lower case so uniqueness ignores case."""
    if not isinstance(raw, str) or len(raw) > 320:
        raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid email address")
    try:
        result = validate_email(raw.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise AuthError(ErrorCode.INVALID_REQUEST, f"Invalid email address: {exc}") from exc
    return result.normalized.lower()


def valid_display_name(name: str) -> bool:
    """Nhost's `^[\\p{L}\\p{N}\\p{S} ,.'-]+$`, max 32: letters, numbers, symbols and a few marks."""
    if not name or len(name) > DISPLAY_NAME_MAX:
        return False
    return all(ch in _DISPLAY_NAME_PUNCTUATION or unicodedata.category(ch)[0] in "LNS" for ch in name)


@dataclass
class ProfileOptions:
    """Sign-up options after validation against the settings."""

    display_name: str | None = None
    locale: str | None = None
    default_role: str | None = None
    allowed_roles: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    redirect_to: str | None = None
    avatar_url: str | None = None  # a picture URL given at sign-up (Auth0's `picture`)


ADMIN_ROLE = "admin"
"""The role that opens the admin API (api/admin/auth.py). Only an admin grants it (the admin API, `authward
users`): a sign-up never gets it, not by default and not by asking, even when it is in AUTHWARD_ALLOWED_ROLES."""


def resolve_roles(
    settings: Settings, default_role: str | None, allowed_roles: list[str] | None, *, by_admin: bool = False
) -> tuple[str, list[str]]:
    if allowed_roles is not None:
        allowed = list(dict.fromkeys(allowed_roles))
    else:
        allowed = [role for role in settings.users.allowed_roles if role != ADMIN_ROLE]
    for role in allowed:
        if role == ADMIN_ROLE and by_admin:
            continue
        if role not in settings.users.allowed_roles or role == ADMIN_ROLE:
            raise AuthError(ErrorCode.ROLE_NOT_ALLOWED)
    default = default_role if default_role is not None else settings.users.default_role
    if default not in allowed:
        raise AuthError(ErrorCode.DEFAULT_ROLE_MUST_BE_IN_ALLOWED_ROLES)
    return default, allowed


def resolve_locale(settings: Settings, locale: str | None) -> str:
    if locale is None:
        return settings.users.default_locale
    if locale not in settings.users.allowed_locales:
        raise AuthError(ErrorCode.LOCALE_NOT_ALLOWED)
    return locale


def new_user(
    settings: Settings,
    options: ProfileOptions,
    *,
    email: str | None,
    password_hash: str | None = None,
    is_anonymous: bool = False,
    clock: Clock = utc_now,
    by_admin: bool = False,
) -> User:
    """Build (not store) a user from validated options."""
    if options.display_name is not None and not valid_display_name(options.display_name):
        raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid display name")
    default_role, allowed = resolve_roles(settings, options.default_role, options.allowed_roles, by_admin=by_admin)
    locale = resolve_locale(settings, options.locale)
    now = clock()
    return User(
        id=uuid.uuid4(),
        created_at=now,
        updated_at=now,
        disabled=settings.users.disable_new_users,
        display_name=options.display_name if options.display_name is not None else (email or ""),
        avatar_url=options.avatar_url or "",
        locale=locale,
        email=email,
        email_verified=False,
        phone_number_verified=False,
        password_hash=password_hash,
        default_role=default_role,
        roles=allowed,
        is_anonymous=is_anonymous,
        user_metadata=options.metadata,
    )


async def load_active_user(db: Database, user_id: str, *, profile_only: bool = False) -> User:
    """The user behind a verified access token, refusing deleted and disabled accounts.

    A read-only view with User's attribute names (not an ORM instance): this is the hot read path.
    `profile_only`: no password hash, and read from the replica when there is one (GET /user: a profile a
    moment old is harmless; a check that guards a change is not, so everything else reads the primary).
    """
    try:
        uid = uuid.UUID(user_id)
    except ValueError as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED) from exc
    read = users_repo.get_profile if profile_only else users_repo.get_view
    user: User | None = await read(db, uid)
    if user is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    if user.disabled:
        raise AuthError(ErrorCode.DISABLED_USER)
    return user


async def registered_user_for_change(session: AsyncSession, user_id: str) -> User:
    """The signed-in user, loaded in the caller's unit of work to change it (password, email):
    deleted, disabled and anonymous accounts are refused."""
    try:
        uid = uuid.UUID(user_id)
    except ValueError as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED) from exc
    user = await users_repo.get(session, uid)
    if user is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    if user.disabled:
        raise AuthError(ErrorCode.DISABLED_USER)
    if user.is_anonymous:
        raise AuthError(ErrorCode.FORBIDDEN_ANONYMOUS)
    return user


async def load_registered_user(db: Database, user_id: str) -> User:
    """The active, non-anonymous user behind a verified access token (an anonymous user may not own
    credentials such as PATs, MFA or an email change: `forbidden-anonymous`)."""
    user = await load_active_user(db, user_id)
    if user.is_anonymous:
        raise AuthError(ErrorCode.FORBIDDEN_ANONYMOUS)
    return user
