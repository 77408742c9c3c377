"""WebAuthn ceremonies: sign-up, sign-in, a key added to an account, step-up elevation; the keys themselves.

Every ceremony is two calls. The first issues a challenge: a single-use ticket (`webauthnChallenge:`
+ the 256-bit challenge in base64url) whose payload names the ceremony and, where one is known, the
user or email it is for. The second finds the ticket by the challenge inside the response's
clientDataJSON (the spec's verify bodies carry no ticket), redeems it, checks the ceremony and the
binding, and has py_webauthn verify the response. A redeemed challenge is spent even when the
response fails (errors are returned inside the unit of work and raised after its commit), so no
response can be tried twice.

Sign-in and sign-up end in the one sign-in completion: an assertion with user verification (PIN,
biometric) is WEBAUTHN_VERIFIED, which may skip the TOTP step; without, WEBAUTHN, and a TOTP user gets
the usual MFA challenge. Step-up is WEBAUTHN_STEP_UP, a second factor on top of the token's amr.
Sign-up creates the user only once the registration verified.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.errors import AuthError, ErrorCode
from authward.methods.webauthn.ceremonies import AddedKey, Ceremony, SignUpResult
from authward.methods.webauthn.ceremony_base import _descriptors, _earlier_amr
from authward.methods.webauthn.key_management import KeyManagement, uuid_or_none
from authward.methods.webauthn.keys import (
    CREDENTIAL_TYPE,
    StoredKey,
    b64url,
    from_b64url,
    user_handle,
)
from authward.methods.webauthn.relying_party import (
    ClientResponse,
    Descriptor,
    NewKey,
    read_response,
    refused,
)
from authward.methods.webauthn.second_factor import SecondFactorCeremony
from authward.services import audit
from authward.services.claims import ClientGrant
from authward.services.email_accounts import options_from_payload, options_payload
from authward.services.method_info import WEBAUTHN, WEBAUTHN_STEP_UP, WEBAUTHN_VERIFIED
from authward.services.security_notices import Notice
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInContext
from authward.services.tickets import TicketOwner
from authward.services.users import ProfileOptions, load_registered_user, new_user, normalise_email
from authward.storage.models import Credential, User
from authward.storage.repos import credentials as credentials_repo
from authward.storage.repos import users as users_repo


class WebAuthnService(SecondFactorCeremony, KeyManagement):
    """Sign-up, sign-in, a key added to an account, step-up (their shared parts: ceremony_base.py)."""

    # -- sign-up
    async def sign_up_options(self, email: str, options: ProfileOptions) -> dict[str, Any]:
        """Registration options for a new account; nothing is created until the response verifies."""
        self._require_enabled()
        self._require_signup()
        normalised = normalise_email(email)
        user = new_user(self._settings, options, email=normalised, clock=self._clock)  # validates the options
        if self._verification is not None:
            self._verification.redirect_for(options.redirect_to)  # refuse a bad redirectTo now, not later
        payload = {"email": normalised, "userId": str(user.id),
                   "options": {**options_payload(options), "redirectTo": options.redirect_to}}
        async with self._db.write() as session:
            if await users_repo.email_taken(session, normalised):
                raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
            challenge = await self._challenge(session, Ceremony.SIGN_UP, TicketOwner(address=normalised), payload)
        return self._rp.registration_options(challenge, user_handle(user.id), normalised, user.display_name, [])

    async def verify_sign_up(
        self, credential: dict[str, Any], options: ProfileOptions | None, nickname: str | None,
        user_agent: str | None = None, code_challenge: str | None = None,
    ) -> SignUpResult:
        self._require_enabled()
        self._require_signup()
        response = read_response(credential)
        try:
            async with self._db.write() as session:
                outcome = await self._sign_up(session, response, credential, options, nickname, user_agent,
                                              code_challenge)
        except IntegrityError as exc:  # a concurrent sign-up took the address (or the key) meanwhile
            raise AuthError(ErrorCode.EMAIL_ALREADY_IN_USE) from exc
        if isinstance(outcome, AuthError):
            raise outcome
        result, mail = outcome
        if mail is not None and self._verification is not None:  # after the commit, never inside it
            await self._verification.dispatch(mail)
        return result

    async def _sign_up(
        self, session: AsyncSession, response: ClientResponse, credential: dict[str, Any],
        override: ProfileOptions | None, nickname: str | None, user_agent: str | None,
        code_challenge: str | None = None,
    ) -> tuple[SignUpResult, uuid.UUID | None] | AuthError:
        row = await self._redeem(session, response, Ceremony.SIGN_UP)
        if isinstance(row, AuthError):
            return row
        try:
            key = self._rp.verify_registration(credential, from_b64url(response.challenge))
            email, user_id = str(row.payload["email"]), uuid_or_none(row.payload.get("userId"))
            options = _merged(row.payload.get("options") or {}, override)
            user = new_user(self._settings, options, email=email, clock=self._clock)
            redirect_to = self._verification.redirect_for(options.redirect_to) if self._verification else None
        except AuthError as exc:
            return exc
        if user_id is None:
            return refused("a sign-up challenge without its user id")
        if await users_repo.email_taken(session, email):
            return AuthError(ErrorCode.EMAIL_ALREADY_IN_USE)
        if await self._registered(session, key):
            return refused("this key is registered already")
        user.id = user_id  # the id the authenticator stored as the user handle
        now = self._clock()
        await users_repo.add(session, user)
        audit.record(session, "user.signed_up", now, user.id, method=WEBAUTHN.id)
        await self._store_key(session, user.id, key, nickname, now)
        mail = None
        if self._verification is not None and redirect_to and self._verification.wanted_for(user):
            mail = await self._verification.stage(session, user, redirect_to, code_challenge)
        method = WEBAUTHN_VERIFIED if key.user_verified else WEBAUTHN
        issued = await self._sign_in.session_if_eligible(session, user, method, SignInContext(user_agent))
        return SignUpResult(user, issued), mail

    async def _registered(self, session: AsyncSession, key: NewKey) -> bool:
        found = await credentials_repo.find_by_type_and_identifier(session, CREDENTIAL_TYPE,
                                                                   b64url(key.credential_id))
        return found is not None

    async def _store_key(self, session: AsyncSession, user_id: uuid.UUID, key: NewKey, nickname: str | None,
                         now: datetime) -> Credential:
        stored = StoredKey(public_key=key.public_key, sign_count=key.sign_count, nickname=nickname or None,
                           aaguid=key.aaguid, attestation_format=key.attestation_format, backed_up=key.backed_up,
                           device_type=key.device_type)
        row = Credential(id=uuid.uuid4(), user_id=user_id, type=CREDENTIAL_TYPE, identifier=b64url(key.credential_id),
                         data=stored.to_data(), secret_encrypted=None, created_at=now)
        await credentials_repo.add(session, row)
        audit.record(session, "webauthn.key_added", now, user_id, key_id=str(row.id))
        return row

    # -- sign-in
    async def sign_in_options(self, email: str | None) -> dict[str, Any]:
        """Authentication options. Without an email any passkey of this site will do (discoverable
        credentials); with one, the challenge is bound to that account and lists its keys. An unknown
        address gets options all the same (no key listed): the answer does not tell who has an account."""
        self._require_enabled()
        allow: list[Descriptor] = []
        async with self._db.write() as session:
            if email is None:
                challenge = await self._challenge(session, Ceremony.SIGN_IN, TicketOwner(), {})
            else:
                normalised = normalise_email(email)
                user = await users_repo.get_by_email(session, normalised)
                if user is not None:
                    allow = _descriptors(await credentials_repo.list_for_user(session, user.id, CREDENTIAL_TYPE))
                payload = {"email": normalised, "userId": str(user.id) if user is not None else None}
                owner = TicketOwner(user_id=user.id if user is not None else None, address=normalised)
                challenge = await self._challenge(session, Ceremony.SIGN_IN, owner, payload)
        return self._rp.authentication_options(challenge, allow)

    async def verify_sign_in(
        self, credential: dict[str, Any], user_agent: str | None = None, *, client: ClientGrant | None = None
    ) -> IssuedSession | MfaChallenge:
        self._require_enabled()
        response = read_response(credential)
        async with self._db.write() as session:
            outcome = await self._sign_in_with(session, response, credential, user_agent, client)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _sign_in_with(
        self, session: AsyncSession, response: ClientResponse, credential: dict[str, Any], user_agent: str | None,
        client: ClientGrant | None,
    ) -> IssuedSession | MfaChallenge | AuthError:
        row = await self._redeem(session, response, Ceremony.SIGN_IN)
        if isinstance(row, AuthError):
            return row
        bound_to = uuid_or_none(row.payload.get("userId")) if "email" in row.payload else None
        checked = await self._check_assertion(session, response, credential, "email" in row.payload, bound_to)
        if isinstance(checked, AuthError):
            return checked
        key_row, assertion = checked
        user = await users_repo.get(session, key_row.user_id)
        if user is None:  # pragma: no cover - the key's row cascades with its user
            return refused("the key's user is gone")
        method = WEBAUTHN_VERIFIED if assertion.user_verified else WEBAUTHN
        context = SignInContext(user_agent, audit={"key_id": str(key_row.id)}, client=client)
        try:
            return await self._sign_in.complete(session, user, method, context)
        except AuthError as exc:  # the spent challenge and the new counter are committed all the same
            return exc

    # -- a key added to an account (from an elevated session)
    async def add_key_options(self, user_id: str) -> dict[str, Any]:
        self._require_enabled()
        user = await load_registered_user(self._db, user_id)
        async with self._db.write() as session:
            keys = await credentials_repo.list_for_user(session, user.id, CREDENTIAL_TYPE)
            challenge = await self._challenge(session, Ceremony.ADD_KEY, TicketOwner(user_id=user.id),
                                              {"userId": str(user.id)})
        name = user.email or user.display_name or str(user.id)
        return self._rp.registration_options(challenge, user_handle(user.id), name, user.display_name or name,
                                             _descriptors(keys))

    async def verify_add_key(self, user_id: str, credential: dict[str, Any], nickname: str | None) -> AddedKey:
        self._require_enabled()
        user = await load_registered_user(self._db, user_id)
        response = read_response(credential)
        notice = None
        async with self._db.write() as session:
            outcome = await self._add_key(session, user, response, credential, nickname)
            if not isinstance(outcome, AuthError) and self._notices is not None:
                notice = await self._notices.stage(session, user, Notice.PASSKEY_ADDED)
        if isinstance(outcome, AuthError):
            raise outcome
        if self._notices is not None:
            await self._notices.dispatch(notice)
        return outcome

    async def _add_key(self, session: AsyncSession, user: User, response: ClientResponse,
                       credential: dict[str, Any], nickname: str | None) -> AddedKey | AuthError:
        row = await self._redeem(session, response, Ceremony.ADD_KEY)
        if isinstance(row, AuthError):
            return row
        if row.user_id != user.id:
            return refused("a challenge issued to another user")
        try:
            key = self._rp.verify_registration(credential, from_b64url(response.challenge))
        except AuthError as exc:
            return exc
        if await self._registered(session, key):
            return refused("this key is registered already")
        stored = await self._store_key(session, user.id, key, nickname, self._clock())
        return AddedKey(stored.id, nickname or None)

    # -- step-up
    async def elevate_options(self, user_id: str) -> dict[str, Any]:
        self._require_enabled()
        user = await load_registered_user(self._db, user_id)
        async with self._db.write() as session:
            keys = await credentials_repo.list_for_user(session, user.id, CREDENTIAL_TYPE)
            if not keys:
                raise AuthError(ErrorCode.INVALID_REQUEST, "This account has no security key")
            challenge = await self._challenge(session, Ceremony.ELEVATE, TicketOwner(user_id=user.id),
                                              {"userId": str(user.id)})
        return self._rp.authentication_options(challenge, _descriptors(keys))

    async def verify_elevate(self, claims: dict[str, Any], credential: dict[str, Any],
                             user_agent: str | None = None) -> IssuedSession:
        """A new, elevated session: the token's amr, `hwk` and `mfa` (as TotpService.elevate)."""
        self._require_enabled()
        user = await load_registered_user(self._db, claims["sub"])
        response = read_response(credential)
        async with self._db.write() as session:
            outcome = await self._elevate(session, user.id, claims, response, credential, user_agent)
        if isinstance(outcome, AuthError):
            raise outcome
        return outcome

    async def _elevate(self, session: AsyncSession, user_id: uuid.UUID, claims: dict[str, Any],
                       response: ClientResponse, credential: dict[str, Any],
                       user_agent: str | None) -> IssuedSession | AuthError:
        row = await self._redeem(session, response, Ceremony.ELEVATE)
        if isinstance(row, AuthError):
            return row
        if row.user_id != user_id:
            return refused("a challenge issued to another user")
        checked = await self._check_assertion(session, response, credential, True, user_id)
        if isinstance(checked, AuthError):
            return checked
        user = await users_repo.get_for_update(session, user_id)
        if user is None:
            return AuthError(ErrorCode.UNAUTHENTICATED)
        context = SignInContext(user_agent, earlier_amr=_earlier_amr(claims),
                                audit={"step_up": "true", "key_id": str(checked[0].id)})
        try:
            return await self._sign_in.complete_session(session, user, WEBAUTHN_STEP_UP, context)
        except AuthError as exc:
            return exc

def _merged(stored: dict[str, Any], override: ProfileOptions | None) -> ProfileOptions:
    """The sign-up options of the first call, each replaced by the verify call's when given (as Nhost)."""
    options = options_from_payload(stored)
    options.redirect_to = stored.get("redirectTo")
    if override is None:
        return options
    return ProfileOptions(
        display_name=override.display_name if override.display_name is not None else options.display_name,
        locale=override.locale if override.locale is not None else options.locale,
        default_role=override.default_role if override.default_role is not None else options.default_role,
        allowed_roles=override.allowed_roles if override.allowed_roles is not None else options.allowed_roles,
        metadata=override.metadata or options.metadata,
        redirect_to=override.redirect_to if override.redirect_to is not None else options.redirect_to,
    )

