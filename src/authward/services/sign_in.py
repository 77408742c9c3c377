"""The one sign-in completion: every method, once it has proven who the user is, ends here.

`SignInCompletion.complete(session, user, method, context)` applies one eligibility policy, then
either opens an MFA challenge or issues a session (through `SessionService.issue`, the only code
that mints tokens), and writes the audit row, all in the caller's unit of work. `complete_alone` is
the same completion for a sign-in that writes nothing else, as one short write of its own.

The policy, in order:
1. A disabled user gets nothing (`disabled-user`).
2. An anonymous user signs in only through a method made for anonymous users (`forbidden-anonymous`),
   and such a method serves no registered user.
3. With email verification required, a user with an unverified address gets no session
   (`unverified-user`). Methods that prove the mailbox (links, email codes) mark it verified first.
4. A user with an active second factor who proved a first factor gets an MFA challenge (a
   `mfaTotp:` ticket) instead of a session — unless the method declares why it may skip it
   (`MethodInfo.skips_mfa_because`: an anonymous user cannot enrol one; a PAT stands in for a
   session that already passed it, but only where the operator allows it: AUTHWARD_PAT_SKIPS_MFA).
   The challenge carries the first factor's `amr`.
5. A second factor (`Factor.SECOND`) completes such a challenge, or steps up a live session: its
   session records the earlier `amr`, its own, and `mfa`.
Sessions born of a fresh proof (`MethodInfo.fresh`) are elevated (security note in services/elevation.py).
Refreshing a session re-applies rules 1 and 3 (`SignInPolicy.refusal`, used by the session issuer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.observability import metrics
from authward.services import audit
from authward.services.claims import ClientGrant, TokenGrant
from authward.services.method_info import MFA_AMR, Factor, MethodInfo, merge_amr
from authward.services.sessions import IssuedSession, SessionService
from authward.services.sign_in_policy import SignInPolicy, requires_second_factor
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.storage.models import User

MFA_TICKET_TTL = timedelta(minutes=5)
MFA_TICKET_MAX_ATTEMPTS = 5
MFA_TICKET_PREFIX = f"{TicketKind.MFA_TOTP.value}:"


@dataclass(frozen=True)
class MfaChallenge:
    """What a sign-in answers instead of a session: `{"session": null, "mfa": {"ticket": ...}}`."""

    ticket: str
    user: User


@dataclass(frozen=True)
class SignInContext:
    """What the request adds: the user agent, and the `amr` of an earlier factor (MFA, step-up)."""

    user_agent: str | None = None
    earlier_amr: list[str] = field(default_factory=list)
    audit: dict[str, str] = field(default_factory=dict)
    client: ClientGrant | None = None  # the session is for an OAuth client (its token endpoint)


class SignInCompletion:
    def __init__(self, sessions: SessionService, tickets: TicketService, policy: SignInPolicy,
                 clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._tickets = tickets
        self.policy = policy
        self._clock = clock

    async def complete(
        self, session: AsyncSession, user: User, method: MethodInfo, context: SignInContext | None = None
    ) -> IssuedSession | MfaChallenge:
        """A session or an MFA challenge; an AuthError is raised when the policy refuses."""
        ctx = context or SignInContext()
        refusal = self.policy.refusal_for(user, method)
        if refusal is not None:  # audited where the caller commits its unit of work on errors (code methods)
            audit.record(session, "user.sign_in_failed", self._clock(), user.id, user_agent=ctx.user_agent,
                         method=method.id, reason=refusal.code.value)
            raise refusal
        now = self._clock()
        if self._owes_challenge(user, method):
            amr = merge_amr(ctx.earlier_amr, method.amr)
            payload: dict[str, Any] = {"amr": amr}
            if ctx.client is not None:  # the second factor must be completed by the same client
                payload["client"] = ctx.client.to_payload()
            ticket = await self._tickets.issue(session, TicketKind.MFA_TOTP, int(MFA_TICKET_TTL.total_seconds()),
                                               TicketOwner(user_id=user.id), payload)
            audit.record(session, "user.mfa_challenged", now, user.id, user_agent=ctx.user_agent, amr=amr)
            metrics.sign_in(method.id, "mfa_required")
            return MfaChallenge(ticket, user)
        grant, signed_in = self._session_start(user, method, ctx, now)
        audit.add(session, signed_in)
        return await self._sessions.issue(session, user, grant, elevated=method.fresh and ctx.client is None,
                                          client=ctx.client)

    async def complete_alone(
        self, user: User, method: MethodInfo, context: SignInContext | None = None
    ) -> IssuedSession | None:
        """`complete` as a short write of its own, for a sign-in that writes nothing else (a password sign-in,
        the hottest route after the reads): the session, its audit rows and the user's last-seen in one
        driver transaction, no unit of work (on SQLite, a commit shared with the writes waiting beside it).

        None when it is not that case (the policy refuses, a second factor is owed, an OAuth client asks):
        the caller then runs `complete` in its unit of work, which writes those outcomes.
        """
        ctx = context or SignInContext()
        if ctx.client is not None or self.policy.refusal_for(user, method) is not None \
                or self._owes_challenge(user, method):
            return None
        grant, signed_in = self._session_start(user, method, ctx, self._clock())
        return await self._sessions.issue_alone(user, grant, [signed_in], elevated=method.fresh)

    def _owes_challenge(self, user: User, method: MethodInfo) -> bool:
        """A first factor of a user with an active second factor, unless the method may skip it (rule 4)."""
        return method.factor is Factor.FIRST and requires_second_factor(user) \
            and not self.policy.skips_second_factor(method)

    def _session_start(
        self, user: User, method: MethodInfo, ctx: SignInContext, now: datetime
    ) -> tuple[TokenGrant, audit.Entry]:
        """The grant of the session this sign-in opens, and its `user.signed_in` entry."""
        if method.factor is Factor.SECOND:
            amr = merge_amr(ctx.earlier_amr, method.amr, MFA_AMR)
        else:
            amr = merge_amr(ctx.earlier_amr, method.amr)
        details = {**ctx.audit, **({"client_id": ctx.client.client_id} if ctx.client is not None else {})}
        signed_in = audit.entry("user.signed_in", now, user.id, user_agent=ctx.user_agent, method=method.id,
                                amr=amr, **details)
        return TokenGrant.for_client(amr, ctx.client, ctx.user_agent), signed_in

    async def session_if_eligible(
        self, session: AsyncSession, user: User, method: MethodInfo, context: SignInContext | None = None
    ) -> IssuedSession | None:
        """After a sign-up: a session when the new user may have one now, else None (not an error)."""
        if self.policy.refusal_for(user, method) is not None:
            return None
        outcome = await self.complete(session, user, method, context)
        return outcome if isinstance(outcome, IssuedSession) else None

    async def complete_session(
        self, session: AsyncSession, user: User, method: MethodInfo, context: SignInContext | None = None
    ) -> IssuedSession:
        """For methods that always end in a session (a second factor, a PAT, an anonymous sign-in)."""
        outcome = await self.complete(session, user, method, context)
        if isinstance(outcome, MfaChallenge):  # pragma: no cover - excluded by the method's declaration
            raise AuthError(ErrorCode.INTERNAL_SERVER_ERROR)
        return outcome
