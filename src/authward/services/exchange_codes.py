"""PKCE for the redirect flows (Nhost's `codeChallenge`): a one-time code in the redirect, not a session.

A client that cannot keep a refresh token out of a URL (a mobile app's custom scheme, a shared device's
history) sends `codeChallenge` = BASE64URL(SHA-256(verifier)) when it asks for a link (magic link,
verification, reset, email change) or starts a provider sign-in. The challenge travels in the ticket
(`CODE_CHALLENGE_KEY` of its payload). When the sign-in completes, `ExchangeCodes.issue` answers a
`pkceCode:` ticket instead of a session, and `POST /token/exchange {code, codeVerifier}` trades it for the
session once S256(verifier) matches the challenge (RFC 7636 §4.6, compared in constant time).

The code is a bearer ticket of the one ticket service: hashed at rest, short-lived, single use. It is
used up before the verifier is checked, so a wrong verifier burns it (no guessing against one code), as
Nhost does; every refusal is the same `invalid-request`, as Nhost answers. A user owing a second factor
gets the MFA challenge instead (the code stands for a completed sign-in only).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, replace
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.services import audit
from authward.services.method_info import PKCE_EXCHANGE, MethodInfo, merge_amr
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.sign_in_policy import requires_second_factor
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

__all__ = ["CODE_CHALLENGE_KEY", "ExchangeCode", "ExchangeCodes", "challenge_of", "s256_matches",
           "with_code_challenge"]

CODE_CHALLENGE_KEY = "codeChallenge"  # where a ticket's payload keeps the challenge of its request
CODE_TTL_SECONDS = 300  # RFC 6749 §4.1.2: short-lived (10 minutes at most); the app redeems it at once
CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # BASE64URL(SHA-256), no padding: Nhost's S256 only
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1


@dataclass(frozen=True)
class ExchangeCode:
    """What a redirect carries instead of a refresh token (`?code=...`)."""

    code: str
    user: User


def with_code_challenge(payload: dict[str, Any] | None, code_challenge: str | None) -> dict[str, Any] | None:
    """A ticket payload that also records the request's challenge (unchanged without one)."""
    if code_challenge is None:
        return payload
    if not CODE_CHALLENGE.match(code_challenge):
        raise AuthError(ErrorCode.INVALID_REQUEST, "codeChallenge must be 43 base64url characters (S256)")
    return {**(payload or {}), CODE_CHALLENGE_KEY: code_challenge}


def challenge_of(payload: dict[str, Any] | None) -> str | None:
    value = (payload or {}).get(CODE_CHALLENGE_KEY)
    return value if isinstance(value, str) and CODE_CHALLENGE.match(value) else None


def s256_matches(code_verifier: str, code_challenge: str) -> bool:
    """RFC 7636 S256, compared in constant time; a verifier outside 43..128 of its alphabet never matches."""
    if not CODE_VERIFIER.match(code_verifier):
        return False
    return hmac.compare_digest(create_s256_code_challenge(code_verifier), code_challenge)


class ExchangeCodes:
    def __init__(self, db: Database, tickets: TicketService, sign_in: SignInCompletion, clock: Clock = utc_now) -> None:
        self._db = db
        self._tickets = tickets
        self._sign_in = sign_in
        self._clock = clock

    async def complete(
        self, session: AsyncSession, user: User, method: MethodInfo, context: SignInContext,
        code_challenge: str | None,
    ) -> IssuedSession | MfaChallenge | ExchangeCode:
        """A method's sign-in completion with PKCE: without a challenge, exactly `SignInCompletion.complete`."""
        if code_challenge is None:
            return await self._sign_in.complete(session, user, method, context)
        return await self.issue(session, user, method, context, code_challenge)

    async def issue(
        self, session: AsyncSession, user: User, method: MethodInfo, context: SignInContext, code_challenge: str
    ) -> ExchangeCode | MfaChallenge:
        """The exchange code for a user who just proved `method` (the same policy as a sign-in, in the
        caller's unit of work). Provider sign-ins call this with the challenge their state carried."""
        if not CODE_CHALLENGE.match(code_challenge):
            raise AuthError(ErrorCode.INVALID_REQUEST, "codeChallenge must be 43 base64url characters (S256)")
        refusal = self._sign_in.policy.refusal_for(user, method)
        if refusal is not None:
            raise refusal
        if requires_second_factor(user) and not self._sign_in.policy.skips_second_factor(method):
            challenged = await self._sign_in.complete(session, user, method, context)
            if isinstance(challenged, MfaChallenge):  # a first factor: the MFA challenge, as without PKCE
                return challenged
            raise AuthError(ErrorCode.INVALID_REQUEST, "PKCE is for first-factor sign-ins")
        payload: dict[str, Any] = {
            CODE_CHALLENGE_KEY: code_challenge, "method": method.id, "fresh": method.fresh,
            "amr": merge_amr(context.earlier_amr, method.amr), "audit": dict(context.audit),
        }
        code = await self._tickets.issue(session, TicketKind.PKCE_CODE, CODE_TTL_SECONDS,
                                         TicketOwner(user_id=user.id), payload)
        audit.record(session, "user.exchange_code_issued", self._clock(), user.id, method=method.id)
        return ExchangeCode(code, user)

    async def exchange(self, code: str, code_verifier: str, user_agent: str | None = None) -> IssuedSession:
        """`POST /token/exchange`: the session, once; any refusal is `invalid-request` (as Nhost)."""
        async with self._db.write() as session:
            outcome = await self._redeem(session, code, code_verifier, user_agent)
        if isinstance(outcome, AuthError):  # raised after the commit: the used code stays used
            raise outcome
        return outcome

    async def _redeem(
        self, session: AsyncSession, code: str, code_verifier: str, user_agent: str | None
    ) -> IssuedSession | AuthError:
        try:
            row = await self._tickets.redeem(session, code, {TicketKind.PKCE_CODE})
        except AuthError:
            return AuthError(ErrorCode.INVALID_REQUEST, "Invalid or expired code")
        challenge = challenge_of(row.payload)
        if challenge is None or not s256_matches(code_verifier, challenge):
            audit.record(session, "user.exchange_code_refused", self._clock(), row.user_id)
            return AuthError(ErrorCode.INVALID_REQUEST, "The code verifier does not match the code challenge")
        user = await users_repo.get(session, row.user_id) if row.user_id is not None else None
        if user is None:
            return AuthError(ErrorCode.INVALID_REQUEST, "Invalid or expired code")
        amr = [a for a in row.payload.get("amr", []) if isinstance(a, str)]
        trail = {str(k): str(v) for k, v in dict(row.payload.get("audit") or {}).items()}
        context = SignInContext(user_agent, earlier_amr=amr, audit={**trail, "via": "pkce"})
        method = replace(PKCE_EXCHANGE, fresh=bool(row.payload.get("fresh")))
        try:
            outcome = await self._sign_in.complete(session, user, method, context)
        except AuthError as exc:  # disabled (or else refused) since the code was issued
            return exc
        if isinstance(outcome, MfaChallenge):  # pragma: no cover - PKCE_EXCHANGE declares why it skips MFA
            return AuthError(ErrorCode.INVALID_REQUEST)
        return outcome
