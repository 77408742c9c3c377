"""Sign-in, sign-up and linking with an ID token an app got from a provider itself (Sign in with
Apple, Google's Credential Manager, a generic OIDC provider's SDK): `POST /signin/idtoken`,
`POST /signup/idtoken`, `POST /link/idtoken` (elevated). The token is verified by id_tokens.py; the
user is found, created or linked by the rules of accounts.py.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from authward.errors import AuthError, ErrorCode
from authward.methods.providers.accounts import ProviderAccounts, concurrent_sign_in
from authward.methods.providers.configured import Provider, ProviderDirectory
from authward.methods.providers.id_tokens import IdTokenVerifier
from authward.methods.providers.profiles import ProviderProfile, oidc_claims
from authward.methods.providers.state import Flow
from authward.services.method_info import ID_TOKEN
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.users import ProfileOptions, registered_user_for_change
from authward.storage.db import Database


class IdTokenSignIn:
    def __init__(self, db: Database, directory: ProviderDirectory, verifier: IdTokenVerifier,
                 accounts: ProviderAccounts, sign_in: SignInCompletion) -> None:
        self._db, self._directory, self._verifier = db, directory, verifier
        self._accounts, self._sign_in = accounts, sign_in

    async def _profile(self, name: str, id_token: str, nonce: str | None) -> tuple[Provider, ProviderProfile]:
        provider = await self._directory.get(name)
        if not provider.spec.id_token_sign_in:
            raise AuthError(ErrorCode.INVALID_REQUEST, f"{name} does not sign in with ID tokens")
        claims = await self._verifier.verify(provider, id_token, nonce)
        try:
            return provider, oidc_claims(claims)
        except ValueError as exc:
            raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid ID token: no subject") from exc

    async def sign_in(self, name: str, id_token: str, nonce: str | None, options: ProfileOptions,
                      user_agent: str | None) -> IssuedSession | MfaChallenge:
        provider, profile = await self._profile(name, id_token, nonce)
        try:
            async with self._db.write() as session:
                resolved = await self._accounts.resolve(session, provider.name, profile, Flow.SIGN_IN, options)
                context = SignInContext(user_agent, audit={"provider": provider.name})
                return await self._sign_in.complete(session, resolved.user, ID_TOKEN, context)
        except IntegrityError as exc:
            raise concurrent_sign_in() from exc

    async def sign_up(self, name: str, id_token: str, nonce: str | None, options: ProfileOptions,
                      user_agent: str | None) -> IssuedSession | None:
        """A new user (`user-already-exists` otherwise); its session when it may have one now."""
        provider, profile = await self._profile(name, id_token, nonce)
        try:
            async with self._db.write() as session:
                resolved = await self._accounts.resolve(session, provider.name, profile, Flow.SIGN_UP, options)
                context = SignInContext(user_agent, audit={"provider": provider.name})
                return await self._sign_in.session_if_eligible(session, resolved.user, ID_TOKEN, context)
        except IntegrityError as exc:
            raise concurrent_sign_in() from exc

    async def link(self, user_id: str, name: str, id_token: str, nonce: str | None) -> None:
        provider, profile = await self._profile(name, id_token, nonce)
        try:
            async with self._db.write() as session:
                user = await registered_user_for_change(session, user_id)
                await self._accounts.link_to(session, user, provider.name, profile)
        except IntegrityError as exc:
            raise concurrent_sign_in() from exc
