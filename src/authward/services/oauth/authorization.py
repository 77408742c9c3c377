"""The authorization endpoint's rules: who must log in or consent, pending requests, authorization codes.

A browser arrives at /authorize with a request (services/oauth/requests.py checks it). With a login
that fits (`LoginState`: the hosted pages' cookie, or Nhost's `POST /oauth2/login` bearer token) and a
consent on record (or a first-party client), a code goes back at once. Otherwise the request waits as a
ticket (`oauthRequest:<uuid>`, its id the `request_id` of Nhost's login contract) for the login UI, then
the consent page. Codes are single-use tickets owned by their client, carrying what the token endpoint
needs; a code presented twice revokes what it gave (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode, OAuthError
from authward.services import audit
from authward.services.oauth.requests import AuthorizeRequest, ErrorPage, read_request, redirect_target
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.settings import Settings
from authward.storage.db import Database
from authward.storage.models import OAuthClient, Ticket
from authward.storage.repos import oauth_clients as clients_repo
from authward.storage.repos import refresh_tokens as tokens_repo
from authward.storage.repos import tickets as tickets_repo

__all__ = ["AuthorizationService", "CodeGrant", "ErrorPage", "LoginState", "PendingRequest", "Redirect"]


@dataclass(frozen=True)
class LoginState:
    """Who is signed in at the authorization server, since when, and how."""

    user_id: uuid.UUID
    auth_time: datetime
    amr: list[str]
    session_id: uuid.UUID | None = None  # the login's refresh-token family (the hosted pages' cookie)


@dataclass(frozen=True)
class Redirect:
    url: str


@dataclass(frozen=True)
class PendingRequest:
    """A request waiting for a login or a consent, as the login UI and the consent page show it."""

    request_id: str
    client: OAuthClient
    request: AuthorizeRequest
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class CodeGrant:
    """What a redeemed code gives the token endpoint."""

    user_id: uuid.UUID
    request: AuthorizeRequest
    auth_time: datetime
    amr: list[str]
    code_id: uuid.UUID


def with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


class AuthorizationService:
    def __init__(self, db: Database, tickets: TicketService, settings: Settings, clock: Clock = utc_now) -> None:
        self._db = db
        self._tickets = tickets
        self._settings = settings
        self._clock = clock

    # -- redirects
    def _to_client(self, request_or_uri: AuthorizeRequest | str, params: dict[str, str],
                   state: str | None) -> Redirect:
        uri = request_or_uri if isinstance(request_or_uri, str) else request_or_uri.redirect_uri
        answer = dict(params)
        if state is not None:
            answer["state"] = state
        answer["iss"] = self._settings.issuer  # RFC 9207, on errors too
        return Redirect(with_query(uri, answer))

    def error_redirect(self, request: AuthorizeRequest | str, error: OAuthError, state: str | None) -> Redirect:
        params = {"error": error.error}
        if error.description:
            params["error_description"] = error.description
        return self._to_client(request, params, state)

    def login_url(self, request_id: str) -> str:
        base = self._settings.oauth.login_url or f"{self._settings.server.public_url}/login"
        return with_query(base, {"request_id": request_id})

    def consent_url(self, request_id: str) -> str:
        return with_query(f"{self._settings.server.public_url}/consent", {"request_id": request_id})

    # -- /authorize
    async def authorize(self, params: dict[str, str], login: LoginState | None) -> Redirect | ErrorPage:
        async with self._db.write() as session:
            client = await clients_repo.get(session, params.get("client_id", ""))
            target = redirect_target(client, params)
            if isinstance(target, ErrorPage):
                return target
            assert client is not None
            state = params.get("state")
            try:
                request = read_request(client, target, params)
                return await self._decide(session, client, request, login)
            except OAuthError as exc:
                return self.error_redirect(target, exc, state)

    async def _decide(
        self, session: AsyncSession, client: OAuthClient, request: AuthorizeRequest, login: LoginState | None,
        request_created: datetime | None = None,
    ) -> Redirect:
        if not self._login_fits(request, login, request_created):
            if "none" in request.prompt:
                raise OAuthError("login_required", "The user is not signed in")
            request_id = await self._park(session, request)
            return Redirect(self.login_url(request_id))
        assert login is not None
        if await self._needs_consent(session, client, request, login):
            if "none" in request.prompt:
                raise OAuthError("consent_required", "The user has not consented to this application")
            request_id = await self._park(session, request)
            return Redirect(self.consent_url(request_id))
        return await self._issue_code(session, request, login)

    def _login_fits(self, request: AuthorizeRequest, login: LoginState | None, created: datetime | None) -> bool:
        if login is None:
            return False
        if "login" in request.prompt and (created is None or login.auth_time < created - timedelta(seconds=5)):
            return False  # prompt=login: a login made for this request (or just before it)
        if request.max_age is not None:
            return (self._clock() - login.auth_time).total_seconds() <= request.max_age
        return True

    async def _needs_consent(
        self, session: AsyncSession, client: OAuthClient, request: AuthorizeRequest, login: LoginState
    ) -> bool:
        if client.first_party:
            return False
        if "consent" in request.prompt:
            return True
        consent = await clients_repo.get_consent(session, login.user_id, client.client_id)
        return consent is None or not set(request.scopes) <= set(consent.scopes)

    async def _park(self, session: AsyncSession, request: AuthorizeRequest) -> str:
        request_id = str(uuid.uuid4())
        await self._tickets.issue(session, TicketKind.OAUTH_REQUEST, self._settings.oauth.request_expires_in,
                                  TicketOwner(address=request.client_id), request.to_payload(), value=request_id)
        return request_id

    async def _issue_code(self, session: AsyncSession, request: AuthorizeRequest, login: LoginState) -> Redirect:
        payload: dict[str, Any] = {
            "request": request.to_payload(), "auth_time": login.auth_time.isoformat(), "amr": list(login.amr),
        }
        code = await self._tickets.issue(session, TicketKind.OAUTH_CODE, self._settings.oauth.code_expires_in,
                                         TicketOwner(user_id=login.user_id, address=request.client_id), payload)
        audit.record(session, "oauth.code_issued", self._clock(), login.user_id, client_id=request.client_id)
        return self._to_client(request, {"code": code}, request.state)

    # -- the login UI and the consent page
    async def pending(self, request_id: str) -> PendingRequest:
        """The waiting request (`not-found` when unknown, used or expired)."""
        async with self._db.read() as session:
            row, client = await self._pending_row(session, request_id)
        return PendingRequest(request_id, client, AuthorizeRequest.from_payload(row.payload), row.created_at,
                              row.expires_at)

    async def _pending_row(self, session: AsyncSession, request_id: str) -> tuple[Ticket, OAuthClient]:
        try:
            uuid.UUID(request_id)
            row = await self._tickets.peek(session, f"{TicketKind.OAUTH_REQUEST.value}:{request_id}",
                                           {TicketKind.OAUTH_REQUEST})
        except (ValueError, AuthError):
            raise AuthError(ErrorCode.NOT_FOUND, "No such authorization request (unknown, used or expired)") from None
        client = await clients_repo.get(session, row.owner or "")
        if client is None:
            raise AuthError(ErrorCode.NOT_FOUND, "The application of this request no longer exists")
        return row, client

    async def resume(self, request_id: str, login: LoginState, *, consented: bool) -> Redirect:
        """Go on with a waiting request now that the user is signed in (and, `consented`, agreed).

        The answer is the client's redirect (a code or an error), or the consent page when the
        user still has to agree. A consent given is remembered for these scopes.
        """
        async with self._db.write() as session:
            row, client = await self._pending_row(session, request_id)
            request = AuthorizeRequest.from_payload(row.payload)
            if consented and not client.first_party:
                await clients_repo.save_consent(session, login.user_id, client.client_id, list(request.scopes),
                                                self._clock())
                audit.record(session, "oauth.consent_given", self._clock(), login.user_id,
                             client_id=client.client_id, scopes=list(request.scopes))
            try:
                if not self._login_fits(request, login, row.created_at):
                    raise OAuthError("login_required", "The sign-in does not satisfy this request (max_age, prompt)")
                if not consented and await self._needs_consent(session, client, request, login):
                    return Redirect(self.consent_url(request_id))
                redirect = await self._issue_code(session, request, login)
            except OAuthError as exc:
                redirect = self.error_redirect(request, exc, request.state)
            await self._tickets.redeem(session, f"{TicketKind.OAUTH_REQUEST.value}:{request_id}",
                                       {TicketKind.OAUTH_REQUEST})
            return redirect

    async def deny(self, request_id: str) -> Redirect:
        """The user said no (or cancelled the login): `access_denied` goes back to the client."""
        async with self._db.write() as session:
            row, _ = await self._pending_row(session, request_id)
            request = AuthorizeRequest.from_payload(row.payload)
            await self._tickets.redeem(session, f"{TicketKind.OAUTH_REQUEST.value}:{request_id}",
                                       {TicketKind.OAUTH_REQUEST})
        return self.error_redirect(request, OAuthError("access_denied", "The user denied the request"),
                                   request.state)

    # -- the token endpoint's side
    async def redeem_code(
        self, session: AsyncSession, client: OAuthClient, code: str, redirect_uri: str | None,
        code_verifier: str | None,
    ) -> CodeGrant | OAuthError:
        """Use a code once, for the client it was issued to; a replay revokes what the code gave.

        The replay's error is returned, not raised: the caller commits the revocation, then raises it.
        """
        row = await self._tickets.find(session, code, TicketKind.OAUTH_CODE)
        if row is None or row.owner != client.client_id:
            raise OAuthError("invalid_grant", "Unknown authorization code")
        if row.consumed_at is not None:
            family = row.payload.get("family_id")
            if family:
                await tokens_repo.revoke_family(session, uuid.UUID(family))
            audit.record(session, "oauth.code_replayed", self._clock(), row.user_id, client_id=client.client_id)
            return OAuthError("invalid_grant", "This authorization code was already used; what it gave is revoked")
        request = AuthorizeRequest.from_payload(row.payload["request"])
        if redirect_uri != request.redirect_uri and not (redirect_uri is None and len(client.redirect_uris) == 1):
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request's")
        if request.code_challenge is not None:
            if not code_verifier:
                raise OAuthError("invalid_grant", "code_verifier is required (PKCE)")
            if create_s256_code_challenge(code_verifier) != request.code_challenge:
                raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        elif code_verifier:
            raise OAuthError("invalid_grant", "code_verifier given for a request without code_challenge")
        try:
            await self._tickets.redeem(session, code, {TicketKind.OAUTH_CODE})
        except AuthError:
            raise OAuthError("invalid_grant", "The authorization code expired or was used") from None
        if row.user_id is None:
            raise OAuthError("invalid_grant", "Unknown authorization code")
        return CodeGrant(row.user_id, request, datetime.fromisoformat(row.payload["auth_time"]),
                         list(row.payload.get("amr", [])), row.id)

    async def remember_family(self, session: AsyncSession, code_id: uuid.UUID, family_id: uuid.UUID) -> None:
        """Record the session a code opened, so a replay of the code can revoke it."""
        await tickets_repo.merge_payload(session, code_id, {"family_id": str(family_id)})
