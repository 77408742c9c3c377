"""The token endpoint (RFC 6749 §3.2): client authentication, then the grant the client asked for.

Grants are handlers in a table keyed by `grant_type`, each allowed per client (`grant_types`); the
Auth0 face adds its grants to the same table. Sessions for a user end in the sign-in completion
(the code relays the login made at /authorize); a client's own token (client_credentials) is minted
by the session issuer without a session. A refused grant changes nothing, except a replayed code,
whose revocation is committed before the error goes out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, OAuthError
from authward.services.claims import ClientGrant
from authward.services.method_info import OAUTH_CODE
from authward.services.oauth.authorization import AuthorizationService
from authward.services.oauth.client_auth import ClientAuthenticator, PresentedClient
from authward.services.oauth.clients import AUTHORIZATION_CODE, CLIENT_CREDENTIALS, REFRESH_TOKEN, STANDARD_SCOPES
from authward.services.oauth.id_tokens import IdTokens
from authward.services.sessions import IssuedSession, SessionService
from authward.services.sign_in import SignInCompletion, SignInContext
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import OAuthClient, User
from authward.storage.repos import users as users_repo


@dataclass(frozen=True)
class GrantRequest:
    """One token request: the form (or JSON) fields, the client, and where it came from."""

    form: Mapping[str, str]
    client: OAuthClient
    user_agent: str | None


# A grant runs its own units of work (a method's service opens its own; SQLite has one writer at a time).
Grant = Callable[[GrantRequest], Awaitable[dict[str, Any]]]


def scopes_of(raw: str | None) -> list[str] | None:
    return list(dict.fromkeys(raw.split())) if raw else None


class TokenEndpoint:
    def __init__(
        self, db: Database, authenticator: ClientAuthenticator, authorization: AuthorizationService,
        sign_in: SignInCompletion, sessions: SessionService, id_tokens: IdTokens, settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self.authenticator = authenticator
        self._authorization = authorization
        self._sign_in = sign_in
        self._sessions = sessions
        self._id_tokens = id_tokens
        self._settings = settings
        self._clock = clock
        self.grants: dict[str, Grant] = {
            AUTHORIZATION_CODE: self._authorization_code,
            REFRESH_TOKEN: self._refresh_token,
            CLIENT_CREDENTIALS: self._client_credentials,
        }

    @property
    def default_access_ttl(self) -> int:
        return self._settings.tokens.access_token_expires_in

    @property
    def userinfo_audience(self) -> str:
        return f"{self._settings.server.public_url}/userinfo"

    async def token(self, form: Mapping[str, str], presented: PresentedClient, user_agent: str | None
                    ) -> dict[str, Any]:
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required")
        handler = self.grants.get(grant_type)
        if handler is None:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type}")
        client = await self.authenticator.authenticate(presented)
        if grant_type not in client.grant_types:
            raise OAuthError("unauthorized_client", f"This client may not use the {grant_type} grant", 403)
        try:
            return await handler(GrantRequest(form, client, user_agent))
        except OAuthError as exc:
            if exc.error == "invalid_grant":  # 403 as Auth0 answers (RFC 6749 says 400; every client takes 4xx)
                exc.status = 403
            raise

    async def _in_unit(self, work: Callable[[AsyncSession], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
        """Run `work` in one write unit of work; a `_Committed` failure keeps what it wrote, then is raised."""
        failure: OAuthError | None = None
        async with self._db.write() as session:
            try:
                return await work(session)
            except _Committed as exc:  # leave the unit of work normally: what the failure wrote stays
                failure = exc.error
        assert failure is not None
        raise failure

    # -- grants
    async def _authorization_code(self, ask: GrantRequest) -> dict[str, Any]:
        code = ask.form.get("code")
        if not code:
            raise OAuthError("invalid_request", "code is required")
        return await self._in_unit(lambda session: self._redeem_code(session, ask, code))

    async def _redeem_code(self, session: AsyncSession, ask: GrantRequest, code: str) -> dict[str, Any]:
        redeemed = await self._authorization.redeem_code(session, ask.client, code, ask.form.get("redirect_uri"),
                                                         ask.form.get("code_verifier"))
        if isinstance(redeemed, OAuthError):
            raise _Committed(redeemed)
        user = await self._user(session, redeemed.user_id)
        request = redeemed.request
        client_grant = ClientGrant(
            client_id=ask.client.client_id, scopes=request.scopes, audience=self.audience_for(request.audience,
                                                                                            request.scopes, ask.client),
            auth_time=redeemed.auth_time, access_ttl=ask.client.access_token_ttl,
            refresh_ttl=ask.client.refresh_token_ttl,
        )
        try:
            outcome = await self._sign_in.complete(
                session, user, OAUTH_CODE, SignInContext(ask.user_agent, earlier_amr=redeemed.amr, client=client_grant)
            )
        except AuthError as exc:
            raise OAuthError("invalid_grant", exc.message) from None
        assert isinstance(outcome, IssuedSession)  # OAUTH_CODE declares why it skips the second factor
        await self._authorization.remember_family(session, redeemed.code_id, outcome.refresh_token_id)
        return self.user_tokens(outcome, ask.client, nonce=request.nonce)

    async def _refresh_token(self, ask: GrantRequest) -> dict[str, Any]:
        token = ask.form.get("refresh_token")
        if not token:
            raise OAuthError("invalid_request", "refresh_token is required")
        return await self._in_unit(lambda session: self._rotate(session, ask, token))

    async def _rotate(self, session: AsyncSession, ask: GrantRequest, token: str) -> dict[str, Any]:
        issued = await self._sessions.rotate(session, token, client_id=ask.client.client_id,
                                             scopes=scopes_of(ask.form.get("scope")),
                                             access_ttl=ask.client.access_token_ttl)
        if isinstance(issued, OAuthError):
            raise _Committed(issued)
        if isinstance(issued, AuthError):  # a reuse may have revoked the family: that must be kept
            raise _Committed(OAuthError("invalid_grant", issued.message))
        return self.user_tokens(issued, ask.client, nonce=None)

    async def _client_credentials(self, ask: GrantRequest) -> dict[str, Any]:
        if ask.client.is_public:
            raise OAuthError("unauthorized_client", "A public client has no credentials of its own")
        # Without `scope`: the client's API scopes (the OIDC ones are about a user, and there is none).
        scopes = scopes_of(ask.form.get("scope")) or [s for s in ask.client.scopes if s not in STANDARD_SCOPES]
        refused = [scope for scope in scopes if scope not in ask.client.scopes]
        if refused:
            raise OAuthError("invalid_scope", f"Scope not allowed for this client: {' '.join(refused)}")
        wanted = list(dict.fromkeys(v for v in (ask.form.get("audience"), ask.form.get("resource")) if v))
        for api in wanted:
            if api not in (ask.client.audiences or []):
                raise OAuthError("invalid_target", f"This client may not get tokens for {api}")
        audience = tuple(wanted) or tuple(ask.client.audiences or ())[:1] or (ask.client.client_id,)
        ttl = ask.client.access_token_ttl or self._settings.tokens.access_token_expires_in
        token = self._sessions.mint_client_token(ask.client.client_id, tuple(scopes), audience, ttl)
        return {"access_token": token, "token_type": "Bearer", "expires_in": ttl, "scope": " ".join(scopes)}

    # -- helpers
    def audience_for(self, requested: tuple[str, ...], scopes: tuple[str, ...], client: OAuthClient
                     ) -> tuple[str, ...]:
        """The APIs a user token is for; with `openid`, also our /userinfo (as Auth0 does)."""
        audience = list(requested)
        if "openid" in scopes:
            audience.append(self.userinfo_audience)
        return tuple(audience) or (client.client_id,)

    async def _user(self, session: AsyncSession, user_id: Any) -> User:
        user = await users_repo.get(session, user_id)
        if user is None:
            raise OAuthError("invalid_grant", "The user of this grant no longer exists")
        return user

    def client_grant(self, client: OAuthClient, scopes: tuple[str, ...], audience: tuple[str, ...] = ()) -> ClientGrant:
        """What a session opened by a grant for `client` is for (its scopes, its APIs, its lifetimes)."""
        return ClientGrant(client_id=client.client_id, scopes=scopes,
                           audience=self.audience_for(audience, scopes, client),
                           access_ttl=client.access_token_ttl, refresh_ttl=client.refresh_token_ttl)

    def user_tokens(self, issued: IssuedSession, client: OAuthClient, *, nonce: str | None) -> dict[str, Any]:
        """The token response for a user's session: access, refresh (if the client may refresh), ID token."""
        scopes = issued.grant.scopes
        answer: dict[str, Any] = {
            "access_token": issued.access_token, "token_type": "Bearer",
            "expires_in": issued.access_token_expires_in, "scope": " ".join(scopes),
        }
        if REFRESH_TOKEN in client.grant_types:
            answer["refresh_token"] = issued.refresh_token
        if "openid" in scopes:
            answer["id_token"] = self._id_tokens.issue(
                issued.user, client.client_id, scopes=scopes, auth_time=issued.auth_time, amr=issued.grant.amr,
                now=self._clock(), nonce=nonce, access_token=issued.access_token,
                session_id=issued.refresh_token_id,
            )
        return answer


class _Committed(Exception):
    """A grant failure whose writes (a replayed code's revocation) must be committed before answering."""

    def __init__(self, error: OAuthError) -> None:
        super().__init__(error.description)
        self.error = error
