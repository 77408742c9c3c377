"""The browser's round trip through a provider: `start` (GET /signin/provider/{provider}) makes the
state and the provider's URL; `callback` redeems the state, exchanges the code, reads the profile,
finds or creates the user (accounts.py), keeps the provider's tokens encrypted (provider_tokens.py),
and ends in the one sign-in completion. The callback always answers a URL to redirect to: success
carries `refreshToken` (see `redirect_credential`), failure `error` and `errorDescription`.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlalchemy.exc import IntegrityError

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.methods.providers.accounts import ProviderAccounts, concurrent_sign_in
from authward.methods.providers.configured import Provider, ProviderDirectory
from authward.methods.providers.provider_tokens import ProviderTokenVault, session_from_token
from authward.methods.providers.state import Flow, PendingSignIn, ProviderStates, binding_of, cookie_name
from authward.methods.providers.upstream import Upstream, new_code_verifier
from authward.security.jwt import AccessTokenCodec, InvalidToken
from authward.security.redirects import RedirectPolicy
from authward.services.elevation import ElevationRule
from authward.services.exchange_codes import ExchangeCode, ExchangeCodes
from authward.services.method_info import PROVIDER
from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge, SignInCompletion, SignInContext
from authward.services.users import (
    ProfileOptions,
    registered_user_for_change,
    resolve_locale,
    resolve_roles,
    valid_display_name,
)
from authward.settings import Settings
from authward.storage.db import Database

# Parameters the app may not set through upstreamParams: the protocol's own (the spec: "rejected").
RESERVED_UPSTREAM_PARAMS = frozenset({
    "client_id", "client_secret", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
    "code_challenge", "code_challenge_method", "request", "request_uri",
})


@dataclass(frozen=True)
class StartRequest:
    flow: Flow
    options: ProfileOptions = field(default_factory=ProfileOptions)
    connect: str | None = None  # an access token: link to its user
    client_state: str | None = None
    code_challenge: str | None = None
    upstream_params: dict[str, str] = field(default_factory=dict)  # upstreamParams + providerSpecificParams


@dataclass(frozen=True)
class Started:
    url: str  # the provider's authorization URL
    cookie_name: str
    cookie_value: str


def with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redirect_credential(outcome: IssuedSession | ExchangeCode) -> dict[str, str]:
    """THE place the final redirect's credential is made: the refresh token, as Nhost does, or with
    the app's `codeChallenge` a one-time code for `POST /token/exchange` (services/exchange_codes.py)."""
    if isinstance(outcome, ExchangeCode):
        return {"code": outcome.code}
    return {"refreshToken": outcome.refresh_token}


class ProviderRedirectFlow:
    def __init__(self, db: Database, directory: ProviderDirectory, upstream: Upstream, states: ProviderStates,
                 accounts: ProviderAccounts, vault: ProviderTokenVault, sign_in: SignInCompletion,
                 exchange_codes: ExchangeCodes, codec: AccessTokenCodec, elevation: ElevationRule,
                 redirects: RedirectPolicy, settings: Settings, clock: Clock = utc_now) -> None:
        self._db, self._directory, self._upstream, self._states = db, directory, upstream, states
        self._accounts, self._vault, self._sign_in, self._codec = accounts, vault, sign_in, codec
        self._exchange_codes = exchange_codes
        self._elevation, self._redirects, self._settings, self._clock = elevation, redirects, settings, clock

    def callback_url(self, provider: str) -> str:
        return f"{self._settings.server.public_url}/signin/provider/{provider}/callback"

    async def start(self, name: str, request: StartRequest, redirect_to: str | None) -> Started:
        provider = await self._directory.get(name)
        target = self._redirects.resolve(redirect_to)
        self._check_options(request.options)
        connect_user = await self._connect_user(request.connect) if request.connect else None
        extra = self._upstream_params(provider, request.upstream_params)
        pending = PendingSignIn(
            provider=name, flow=Flow.CONNECT if connect_user else request.flow, redirect_to=target,
            options=request.options, connect_user_id=connect_user,
            code_verifier=new_code_verifier() if provider.spec.pkce else None,
            nonce=secrets.token_urlsafe(16) if provider.spec.jwks_url else None,
            client_state=request.client_state, code_challenge=request.code_challenge,
        )
        async with self._db.write() as session:
            state = await self._states.issue(session, pending)
        url = self._upstream.authorization_url(provider, self.callback_url(name), state, pending.code_verifier,
                                               pending.nonce, extra)
        return Started(url, cookie_name(name), binding_of(state))

    async def callback(self, name: str, params: dict[str, str], cookie: str | None, user_agent: str | None) -> str:
        """The URL to send the browser to, success or not."""
        try:
            async with self._db.write() as session:  # used up now, whatever follows: a replay is refused
                pending = await self._states.redeem(session, name, params.get("state"), cookie)
        except AuthError as exc:
            return with_query(self._redirects.client_url, _error(exc))
        try:
            credential = await self._complete(pending, params, user_agent)
        except AuthError as exc:
            return with_query(pending.redirect_to, _error(exc, params))
        except IntegrityError:
            return with_query(pending.redirect_to, _error(concurrent_sign_in()))
        if pending.client_state is not None:
            credential["state"] = pending.client_state
        return with_query(pending.redirect_to, credential)

    async def _complete(self, pending: PendingSignIn, params: dict[str, str], user_agent: str | None
                        ) -> dict[str, str]:
        if params.get("error"):
            raise AuthError(ErrorCode.OAUTH_PROVIDER_ERROR)
        code = params.get("code")
        if not code:
            raise AuthError(ErrorCode.INVALID_REQUEST, "The provider sent no authorization code")
        provider = await self._directory.get(pending.provider)
        profile, token = await self._upstream.sign_in(provider, self.callback_url(provider.name), code,
                                                      pending.code_verifier, pending.nonce, params)
        now = self._clock()
        context = SignInContext(user_agent, audit={"provider": provider.name})
        async with self._db.write() as session:
            if pending.flow is Flow.CONNECT and pending.connect_user_id is not None:
                # Linking to the signed-in user: no new session, the app already has one.
                user = await registered_user_for_change(session, pending.connect_user_id)
                link = await self._accounts.link_to(session, user, provider.name, profile)
                self._vault.store(link, session_from_token(token, now))
                link.updated_at = now
                return {"linked": provider.name}
            resolved = await self._accounts.resolve(session, provider.name, profile, pending.flow, pending.options)
            self._vault.store(resolved.link, session_from_token(token, now))
            resolved.link.updated_at = now
            outcome = await self._exchange_codes.complete(session, resolved.user, PROVIDER, context,
                                                          pending.code_challenge)
        if isinstance(outcome, MfaChallenge):
            return {"mfaTicket": outcome.ticket}  # finished at POST /signin/mfa/totp (docs/social.md)
        return redirect_credential(outcome)

    async def _connect_user(self, token: str) -> str:
        """`connect`: a valid access token of a registered user, recently authenticated (adding a way in)."""
        try:
            claims = await self._codec.decode(token)
        except InvalidToken as exc:
            raise AuthError(ErrorCode.UNAUTHENTICATED, "connect: invalid or expired access token") from exc
        self._elevation.enforce(claims)
        user_id = str(claims.get("sub", ""))
        try:
            uuid.UUID(user_id)
        except ValueError as exc:
            raise AuthError(ErrorCode.UNAUTHENTICATED) from exc
        return user_id

    def _check_options(self, options: ProfileOptions) -> None:
        """Refused at the start, not after the user went through the provider."""
        if options.display_name is not None and not valid_display_name(options.display_name):
            raise AuthError(ErrorCode.INVALID_REQUEST, "Invalid display name")
        resolve_roles(self._settings, options.default_role, options.allowed_roles)
        resolve_locale(self._settings, options.locale)

    @staticmethod
    def _upstream_params(provider: Provider, given: dict[str, str]) -> dict[str, str]:
        reserved = sorted(key for key in given if key.lower() in RESERVED_UPSTREAM_PARAMS)
        if reserved:
            raise AuthError(ErrorCode.INVALID_REQUEST, f"upstreamParams may not set {', '.join(reserved)}")
        extra = dict(given)
        if provider.name == "workos":
            options = provider.options
            if "organization" not in extra and "connection" not in extra:
                if options.organization:
                    extra["organization"] = options.organization
                elif options.connection:
                    extra["connection"] = options.connection
        return extra


def _error(exc: AuthError, params: dict[str, Any] | None = None) -> dict[str, str]:
    found = {"error": exc.code.value, "errorDescription": exc.message}
    if params and exc.code is ErrorCode.OAUTH_PROVIDER_ERROR and params.get("error"):
        found["provider_error"] = str(params["error"])[:200]
        if params.get("error_description"):
            found["provider_error_description"] = str(params["error_description"])[:500]
    return found
