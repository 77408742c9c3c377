"""`POST /user/deanonymize/sms`: an anonymous user becomes an SMS user, same id, once the number is proven.

The request sends a code to the number and stages the change in the code's ticket (the roles, locale,
display name and metadata of the request's options, checked now). Nothing about the user changes until
the code comes back to `POST /signin/passwordless/sms/otp`, which applies the staged change
(`finish_deanonymization`) and signs the user in: the user remains anonymous until then (Nhost's
contract), and an unproven number is never attached to anyone. A number another user holds is refused
with `user-already-exists`, at the request and again at the verification.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.sms_otp.code_sender import SmsCodeSender
from authward.services import audit
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.users import ProfileOptions, resolve_locale, resolve_roles, valid_display_name
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

DEANONYMIZE_KEY = "deanonymize"  # where an SMS code's ticket stages the change
ANONYMOUS_DISPLAY_NAME = "Anonymous User"  # the anonymous method's default name, replaced by the number


def stages_deanonymization(payload: dict[str, Any] | None) -> bool:
    return isinstance((payload or {}).get(DEANONYMIZE_KEY), dict)


async def finish_deanonymization(
    session: AsyncSession, user: User, phone: str, payload: dict[str, Any], now_clock: Clock = utc_now
) -> AuthError | None:
    """Apply the change an SMS code staged, in the verification's unit of work (None: done)."""
    staged: dict[str, Any] = payload[DEANONYMIZE_KEY]
    if not user.is_anonymous:  # deanonymized another way since the code was sent
        return AuthError(ErrorCode.INVALID_OTP)
    holder = await users_repo.get_by_phone(session, phone)
    if holder is not None and holder.id != user.id:
        return AuthError(ErrorCode.USER_ALREADY_EXISTS)
    now = now_clock()
    user.phone_number = phone
    user.is_anonymous = False
    user.default_role = str(staged["defaultRole"])
    user.roles = [str(role) for role in staged["roles"]]
    if staged.get("locale"):
        user.locale = str(staged["locale"])
    if staged.get("displayName"):
        user.display_name = str(staged["displayName"])
    elif user.display_name in (None, "", ANONYMOUS_DISPLAY_NAME):
        user.display_name = phone
    if staged.get("metadata"):
        user.user_metadata = {**(user.user_metadata or {}), **dict(staged["metadata"])}
    user.updated_at = now
    await session.flush()
    audit.record(session, "user.deanonymized", now, user.id, method="sms", sessions_revoked=False)
    return None


class SmsDeanonymization:
    def __init__(self, db: Database, codes: SmsCodeSender, settings: Settings, clock: Clock = utc_now) -> None:
        self._db = db
        self._codes = codes
        self._settings = settings
        self._clock = clock

    async def start(self, user_id: str, raw_phone: str, options: ProfileOptions) -> None:
        self._codes.require_enabled()
        phone = self._codes.phone(raw_phone)
        staged = self._staged(options)
        async with self._db.read() as session:
            user = await _anonymous_user(session, user_id)
            holder = await users_repo.get_by_phone(session, phone)
            if holder is not None and holder.id != user.id:
                raise AuthError(ErrorCode.USER_ALREADY_EXISTS)
        await self._codes.check_rate(TicketKind.SMS_OTP.value, phone)
        code = await self._codes.send(phone, staged.get("locale") or user.locale)
        async with self._db.write() as session:
            await self._codes.store(session, TicketKind.SMS_OTP, TicketOwner(user.id, phone), code,
                                    {DEANONYMIZE_KEY: staged})
            audit.record(session, "user.deanonymize_requested", self._clock(), user.id, method="sms")

    def _staged(self, options: ProfileOptions) -> dict[str, Any]:
        """The sign-up options, checked now as a sign-up checks them (a bad role is refused at once)."""
        default_role, roles = resolve_roles(self._settings, options.default_role, options.allowed_roles)
        if options.display_name is not None and not valid_display_name(options.display_name):
            raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid display name")
        locale = resolve_locale(self._settings, options.locale) if options.locale is not None else None
        return {"defaultRole": default_role, "roles": roles, "locale": locale, "displayName": options.display_name,
                "metadata": options.metadata or {}}


async def _anonymous_user(session: AsyncSession, user_id: str) -> User:
    try:
        user = await users_repo.get(session, uuid.UUID(user_id))
    except ValueError as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED) from exc
    if user is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED)
    if not user.is_anonymous:
        raise AuthError(ErrorCode.USER_NOT_ANONYMOUS)
    if user.disabled:
        raise AuthError(ErrorCode.DISABLED_USER)
    return user
