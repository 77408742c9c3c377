"""Invitations: an admin creates an account by email; the invitee chooses a password on a hosted page.

Inviting creates the user (no password, email not verified) and an `invite:` ticket (the one ticket
service: hashed, expiring, single use) mailed through the outbox in the same unit of work; the mail goes
after the commit. The link opens `GET /invite?ticket=...` (api/pages/invite.py); setting the password
redeems the ticket, stores the hash and marks the email verified (the invitee proved the mailbox). The
ticket lives AUTHWARD_EMAIL_VERIFICATION_EXPIRES_IN seconds (30 days by default); inviting the same
address again, while the account has no password yet, sends a new link and retires the older ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.security.passwords import PasswordHasher
from authward.services import audit
from authward.services.password_policy import check_password_policy
from authward.services.ticket_mail import TicketMail, recipient_of
from authward.services.tickets import TicketKind, TicketOwner
from authward.services.users import ProfileOptions, new_user, normalise_email
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import User
from authward.storage.repos import users as users_repo

INVITE = {TicketKind.INVITE}


@dataclass
class Invitation:
    email: str
    roles: list[str] | None = None
    default_role: str | None = None
    display_name: str | None = None
    locale: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class InvitationService:
    def __init__(self, db: Database, hasher: PasswordHasher, mail: TicketMail, settings: Settings,
                 clock: Clock = utc_now) -> None:
        self._db = db
        self._hasher = hasher
        self._mail = mail
        self._settings = settings
        self._clock = clock

    @property
    def ttl(self) -> int:
        return self._settings.email.verification_expires_in

    async def invite(self, invitation: Invitation, actor: str) -> User:
        """Create the user (or reuse a pending invitee) and mail the link; `email-already-in-use` otherwise."""
        email = normalise_email(invitation.email)
        options = ProfileOptions(display_name=invitation.display_name, locale=invitation.locale,
                                 default_role=invitation.default_role, allowed_roles=invitation.roles,
                                 metadata=invitation.metadata)
        candidate = new_user(self._settings, options, email=email, clock=self._clock, by_admin=True)
        candidate.disabled = False
        try:
            async with self._db.write() as session:
                user = await users_repo.get_by_email(session, email)
                if user is not None and not _pending(user):
                    raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
                if user is None:
                    if await users_repo.email_taken(session, email):  # someone is changing to it
                        raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
                    user = await users_repo.add(session, candidate)
                owner = TicketOwner(user_id=user.id, address=email)
                await self._mail.tickets.retire(session, TicketKind.INVITE, TicketOwner(user_id=user.id))
                ticket = await self._mail.tickets.issue(session, TicketKind.INVITE, self.ttl, owner)
                message_id = await self._mail.postman.stage(
                    session, self._mail.composer.invite_email(recipient_of(user), ticket, self.ttl))
                audit.record(session, "admin.user_invited", self._clock(), user.id, actor=actor)
        except IntegrityError as exc:  # a concurrent sign-up won the address
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        await self._mail.dispatch(message_id)
        return user

    async def check(self, ticket: str) -> User:
        """The invitee of a live invitation (`invalid-ticket` otherwise): the page shows the form only then."""
        async with self._db.read() as session:
            row = await self._mail.tickets.peek(session, ticket, INVITE)
            user = await users_repo.get(session, row.user_id) if row.user_id is not None else None
        if user is None:
            raise AuthError(ErrorCode.INVALID_TICKET)
        return user

    async def accept(self, ticket: str, password: str) -> User:
        """Set the invitee's password (the policy applies) and verify their email; the ticket is used up."""
        check_password_policy(self._settings, password)
        await self.check(ticket)  # a bad ticket costs no hashing
        password_hash = await self._hasher.hash(password)
        async with self._db.write() as session:
            row = await self._mail.tickets.redeem(session, ticket, INVITE)
            user = await users_repo.get_for_update(session, row.user_id) if row.user_id is not None else None
            if user is None:
                raise AuthError(ErrorCode.INVALID_TICKET)
            if user.disabled:
                raise AuthError(ErrorCode.DISABLED_USER)
            now = self._clock()
            user.password_hash = password_hash
            user.email_verified = True
            user.updated_at = now
            audit.record(session, "user.invitation_accepted", now, user.id)
        return user


def _pending(user: User) -> bool:
    """An invitee who has not accepted yet: no password, email unverified."""
    return user.password_hash is None and not user.email_verified
