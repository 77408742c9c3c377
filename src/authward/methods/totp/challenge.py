"""The MFA challenge a first factor answers instead of a session when the user has TOTP active.

The ticket (`mfaTotp:<uuid4>`, as Nhost) is a row of `tickets` (kind "mfa_totp") holding only the
SHA-256 of the value: short-lived, single use, with a bounded number of wrong codes. It carries the
first factor's `amr`, so the session it finally gives records both factors.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from authward.services import audit
from authward.services.sessions import hash_token
from authward.storage.models import Ticket, User
from authward.storage.repos import mfa_tickets

TICKET_PREFIX = "mfaTotp:"
TICKET_KIND = "mfa_totp"
TICKET_TTL = timedelta(minutes=5)
MAX_TICKET_ATTEMPTS = 5
MFA_TYPE_TOTP = "totp"


@dataclass(frozen=True)
class MfaChallenge:
    """What a sign-in answers instead of a session: `{"session": null, "mfa": {"ticket": ...}}`."""

    ticket: str
    user: User


def requires_second_factor(user: User) -> bool:
    """Enforced whenever the user enrolled, even if AUTHWARD_MFA_ENABLED was later turned off."""
    return user.active_mfa_type == MFA_TYPE_TOTP


async def open_challenge(session: AsyncSession, user: User, amr: list[str], now: datetime) -> MfaChallenge:
    """Store a new ticket in the caller's unit of work (and drop the user's dead ones)."""
    await mfa_tickets.delete_stale(session, user.id, TICKET_KIND, now)
    ticket = f"{TICKET_PREFIX}{uuid.uuid4()}"
    await mfa_tickets.add(session, Ticket(
        id=uuid.uuid4(),
        user_id=user.id,
        kind=TICKET_KIND,
        secret_hash=hash_token(ticket),
        created_at=now,
        expires_at=now + TICKET_TTL,
        consumed_at=None,
        attempts=0,
        payload={"amr": list(amr)},
    ))
    audit.record(session, "user.mfa_challenged", now, user.id, amr=list(amr))
    return MfaChallenge(ticket, user)
