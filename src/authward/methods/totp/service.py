"""TOTP rules: enrolment, activation, deactivation, sign-in completion, step-up, status.

Every code check runs inside one write unit of work that locks the user row first (then the TOTP
credential): a code is accepted once even under concurrent requests, and a wrong code's counters
are committed before the error is raised.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.totp.otp import new_secret, provisioning_uri
from authward.methods.totp.qr import qr_data_url
from authward.methods.totp.state import TotpState
from authward.methods.totp.verifier import CREDENTIAL_TYPE as TOTP_CREDENTIAL
from authward.methods.totp.verifier import SecondFactorVerifier, VerifiedFactor
from authward.security.passwords import PasswordHasher
from authward.services import audit
from authward.services.claims import ClientGrant
from authward.services.elevation import ElevationRule, passed_second_factor
from authward.services.method_info import PASSWORD
from authward.services.recovery_codes import CREDENTIAL_TYPE as RECOVERY_CREDENTIAL
from authward.services.recovery_codes import RecoveryCodes
from authward.services.security_notices import Notice, SecurityNotices
from authward.services.sessions import IssuedSession
from authward.services.sign_in import (
    MFA_TICKET_MAX_ATTEMPTS,
    SignInCompletion,
    SignInContext,
)
from authward.services.sign_in_policy import MFA_TYPE_TOTP, requires_second_factor
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.services.users import load_active_user
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import Credential, Ticket, User
from authward.storage.repos import credentials as credentials_repo
from authward.storage.repos import users as users_repo


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    image_url: str
    recovery_codes: list[str]


@dataclass(frozen=True)
class MfaStatus:
    active_mfa_type: str | None
    second_factor_passed: bool
    elevated: bool
    recovery_codes_remaining: int


def _uuid(user_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(user_id)
    except ValueError as exc:
        raise AuthError(ErrorCode.UNAUTHENTICATED) from exc


class TotpService:
    def __init__(
        self,
        db: Database,
        sign_in: SignInCompletion,
        tickets: TicketService,
        hasher: PasswordHasher,
        verifier: SecondFactorVerifier,
        recovery: RecoveryCodes,
        elevation: ElevationRule,
        settings: Settings,
        clock: Clock = utc_now,
        notices: SecurityNotices | None = None,
    ) -> None:
        self._notices = notices  # MFA turned on or off: a mail to the account (services/security_notices.py)
        self._db = db
        self._sign_in = sign_in
        self._tickets = tickets
        self._hasher = hasher
        self._verifier = verifier
        self._recovery = recovery
        self._elevation = elevation
        self._settings = settings
        self._clock = clock

    def _require_enabled(self) -> None:
        if not self._settings.mfa.enabled:
            raise AuthError(ErrorCode.DISABLED_ENDPOINT)

    async def _locked_user(self, session: AsyncSession, user_id: str) -> User:
        user = await users_repo.get_for_update(session, _uuid(user_id))
        if user is None:
            raise AuthError(ErrorCode.UNAUTHENTICATED)
        if user.disabled:
            raise AuthError(ErrorCode.DISABLED_USER)
        return user

    # -- enrolment
    async def generate(self, user_id: str) -> TotpSetup:
        """A new pending secret and recovery-code set; refused while TOTP is active (no silent swap)."""
        self._require_enabled()
        now = self._clock()
        secret = new_secret()
        async with self._db.write() as session:
            user = await self._locked_user(session, user_id)
            if user.is_anonymous:
                raise AuthError(ErrorCode.FORBIDDEN_ANONYMOUS)
            if requires_second_factor(user):
                raise AuthError(ErrorCode.TOTP_ALREADY_ACTIVE)
            await credentials_repo.delete_for_user(session, user.id, [TOTP_CREDENTIAL])
            await credentials_repo.add(session, Credential(
                id=uuid.uuid4(),
                user_id=user.id,
                type=TOTP_CREDENTIAL,
                identifier=str(user.id),  # (type, identifier) is unique: one TOTP secret per user
                data=TotpState().to_data(),
                secret_encrypted=self._verifier.seal(user.id, secret),
                created_at=now,
            ))
            codes = await self._recovery.replace(session, user.id, now, pending=True)
            audit.record(session, "mfa.totp.generated", now, user.id)
            account = user.email or user.display_name or str(user.id)
        uri = provisioning_uri(secret, account, self._settings.mfa.totp_issuer, self._verifier.params)
        return TotpSetup(secret, qr_data_url(uri), codes)

    async def activate(self, user_id: str, code: str) -> None:
        """A TOTP code (never a recovery code) proves the app holds the secret."""
        self._require_enabled()
        now = self._clock()
        notice = None
        async with self._db.write() as session:
            user = await self._locked_user(session, user_id)
            if requires_second_factor(user):
                raise AuthError(ErrorCode.TOTP_ALREADY_ACTIVE)
            outcome = await self._verifier.check(session, user.id, code, now, allow_recovery=False)
            if isinstance(outcome, VerifiedFactor):
                credential = await credentials_repo.get(session, user.id, TOTP_CREDENTIAL)
                assert credential is not None
                state = TotpState.from_data(credential.data)
                await credentials_repo.set_data(session, credential.id, replace(state, active=True).to_data())
                await users_repo.set_active_mfa_type(session, user.id, MFA_TYPE_TOTP, now)
                await self._recovery.activate(session, user.id)
                audit.record(session, "mfa.totp.activated", now, user.id)
                notice = await self._stage_notice(session, user, Notice.MFA_ENABLED)
        if isinstance(outcome, AuthError):
            raise outcome
        await self._dispatch_notice(notice)

    async def deactivate(self, user_id: str, code: str) -> None:
        """A TOTP or recovery code turns TOTP off (allowed even when enrolment is disabled)."""
        now = self._clock()
        notice = None
        async with self._db.write() as session:
            user = await self._locked_user(session, user_id)
            if not requires_second_factor(user):
                raise AuthError(ErrorCode.DISABLED_MFA_TOTP)
            outcome = await self._verifier.check(session, user.id, code, now, allow_recovery=True)
            if isinstance(outcome, VerifiedFactor):
                notice = await self._remove_second_factor(session, user, now, how=outcome.method.id)
        if isinstance(outcome, AuthError):
            raise outcome
        await self._dispatch_notice(notice)

    async def disable_with_password(
        self, claims: dict[str, Any], password: str, user_agent: str | None = None
    ) -> IssuedSession:
        """balena's `two_factor.disable(password)`: from a session that passed the second factor."""
        user = await load_active_user(self._db, claims["sub"])
        if not requires_second_factor(user):
            raise AuthError(ErrorCode.DISABLED_MFA_TOTP)
        if not passed_second_factor(claims):
            raise AuthError(ErrorCode.ELEVATION_REQUIRED,
                            "This session did not pass the second factor; sign in with it first")
        result = await self._hasher.verify(user.password_hash, password)
        if not result.ok:
            raise AuthError(ErrorCode.INVALID_EMAIL_PASSWORD)
        now = self._clock()
        async with self._db.write() as session:
            locked = await self._locked_user(session, claims["sub"])
            if not requires_second_factor(locked):
                raise AuthError(ErrorCode.DISABLED_MFA_TOTP)
            notice = await self._remove_second_factor(session, locked, now, how=PASSWORD.id)
            issued = await self._sign_in.complete_session(session, locked, PASSWORD, SignInContext(user_agent))
        await self._dispatch_notice(notice)
        return issued

    async def remove(self, claims: dict[str, Any], how: str) -> None:
        """Auth0's `DELETE /mfa/authenticators/{id}`: from a session that passed the second factor."""
        if not passed_second_factor(claims):
            raise AuthError(ErrorCode.ELEVATION_REQUIRED, "This session did not pass the second factor")
        async with self._db.write() as session:
            user = await self._locked_user(session, claims["sub"])
            if not requires_second_factor(user):
                raise AuthError(ErrorCode.DISABLED_MFA_TOTP)
            notice = await self._remove_second_factor(session, user, self._clock(), how=how)
        await self._dispatch_notice(notice)

    async def _stage_notice(self, session: AsyncSession, user: User, notice: Notice) -> uuid.UUID | None:
        return await self._notices.stage(session, user, notice) if self._notices is not None else None

    async def _dispatch_notice(self, message_id: uuid.UUID | None) -> None:
        if self._notices is not None:
            await self._notices.dispatch(message_id)

    async def _remove_second_factor(
        self, session: AsyncSession, user: User, now: datetime, how: str
    ) -> uuid.UUID | None:
        """TOTP and recovery codes gone, pending MFA tickets retired; the outbox id of the notice queued."""
        await credentials_repo.delete_for_user(session, user.id, [TOTP_CREDENTIAL, RECOVERY_CREDENTIAL])
        await self._tickets.retire(session, TicketKind.MFA_TOTP, TicketOwner(user_id=user.id))
        await users_repo.set_active_mfa_type(session, user.id, None, now)
        user.active_mfa_type = None  # the returned User mirrors the row (same value flushed again)
        audit.record(session, "mfa.totp.deactivated", now, user.id, method=how)
        return await self._stage_notice(session, user, Notice.MFA_DISABLED)

    async def regenerate_recovery_codes(self, user_id: str, code: str) -> list[str]:
        """A new set for a TOTP code; a recovery code cannot mint more recovery codes."""
        self._require_enabled()
        now = self._clock()
        codes: list[str] = []
        async with self._db.write() as session:
            user = await self._locked_user(session, user_id)
            if not requires_second_factor(user):
                raise AuthError(ErrorCode.DISABLED_MFA_TOTP)
            outcome = await self._verifier.check(session, user.id, code, now, allow_recovery=False)
            if isinstance(outcome, VerifiedFactor):
                codes = await self._recovery.replace(session, user.id, now, pending=False)
                audit.record(session, "mfa.recovery_codes.regenerated", now, user.id)
        if isinstance(outcome, AuthError):
            raise outcome
        return codes

    # -- sign-in and step-up
    async def complete_sign_in(
        self, ticket: str, otp: str, user_agent: str | None = None, *, client_id: str | None = None
    ) -> IssuedSession:
        """Redeem an MFA ticket with a TOTP or recovery code: the session records both factors.

        A ticket opened for an OAuth client's grant is completed by that client only (`client_id`), and
        one opened by a first-party sign-in only without one.
        """
        now = self._clock()
        async with self._db.write() as session:
            outcome = await self._redeem(session, ticket, otp, now, user_agent, client_id)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _redeem(
        self, session: AsyncSession, ticket: str, otp: str, now: datetime, user_agent: str | None,
        client_id: str | None,
    ) -> IssuedSession | AuthError:
        async def check(row: Ticket) -> tuple[User, VerifiedFactor, Ticket] | AuthError:
            opened_for = row.payload.get("client")
            if (opened_for or {}).get("client_id") != client_id:
                return AuthError(ErrorCode.INVALID_TICKET)
            user = await users_repo.get_for_update(session, row.user_id) if row.user_id is not None else None
            if user is None:
                return AuthError(ErrorCode.INVALID_TICKET)
            if user.disabled:
                return AuthError(ErrorCode.DISABLED_USER)
            if not requires_second_factor(user):
                return AuthError(ErrorCode.DISABLED_MFA_TOTP)
            verified = await self._verifier.check(session, user.id, otp, now, allow_recovery=True)
            return verified if isinstance(verified, AuthError) else (user, verified, row)

        outcome = await self._tickets.redeem_checked(session, ticket, TicketKind.MFA_TOTP, MFA_TICKET_MAX_ATTEMPTS,
                                                     check)
        if isinstance(outcome, AuthError):
            return outcome
        user, verified, row = outcome
        first_factor = row.payload.get("amr")
        earlier = [v for v in first_factor if isinstance(v, str)] if isinstance(first_factor, list) else []
        client = ClientGrant.from_payload(row.payload["client"]) if row.payload.get("client") else None
        return await self._sign_in.complete_session(session, user, verified.method,
                                                    SignInContext(user_agent, earlier_amr=earlier, client=client))

    async def elevate(self, claims: dict[str, Any], otp: str, user_agent: str | None = None) -> IssuedSession:
        """Step-up without WebAuthn: a new, elevated session for a valid TOTP or recovery code."""
        self._require_enabled()
        now = self._clock()
        async with self._db.write() as session:
            user = await self._locked_user(session, claims["sub"])
            if not requires_second_factor(user):
                raise AuthError(ErrorCode.DISABLED_MFA_TOTP)
            verified = await self._verifier.check(session, user.id, otp, now, allow_recovery=True)
            outcome: IssuedSession | AuthError = verified if isinstance(verified, AuthError) else \
                await self._issue_elevated(session, user, claims, verified, now, user_agent)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _issue_elevated(
        self, session: AsyncSession, user: User, claims: dict[str, Any], verified: VerifiedFactor,
        now: datetime, user_agent: str | None,
    ) -> IssuedSession:
        previous = claims.get("amr")
        earlier = [v for v in previous if isinstance(v, str)] if isinstance(previous, list) else []
        return await self._sign_in.complete_session(
            session, user, verified.method, SignInContext(user_agent, earlier_amr=earlier, audit={"step_up": "true"})
        )

    # -- status
    async def status(self, claims: dict[str, Any]) -> MfaStatus:
        user = await load_active_user(self._db, claims["sub"])
        remaining = 0
        if requires_second_factor(user):
            async with self._db.read() as session:
                remaining = await self._recovery.remaining(session, user.id)
        return MfaStatus(user.active_mfa_type, passed_second_factor(claims), self._elevation.is_elevated(claims),
                         remaining)
