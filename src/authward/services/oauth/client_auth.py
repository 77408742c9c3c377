"""Client authentication at the token, revocation and introspection endpoints (RFC 6749 §2.3).

`client_secret_basic` (the header's parts are form-decoded after base64, RFC 6749 §2.3.1: openid-client
sends `+` for a space), `client_secret_post`, `private_key_jwt` (RFC 7523: a JWT signed with a key of
the client's registered JWK Set, for our issuer or token endpoint, its `jti` used once) and `none` for
public clients. Every failure is the same `invalid_client` (401), so nothing tells ids from secrets.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import jwt
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from authward.clock import Clock, utc_now
from authward.errors import OAuthError
from authward.security.secrets_at_rest import hash_secret
from authward.services.tickets import TicketKind, TicketOwner, TicketService
from authward.storage.db import Database
from authward.storage.models import OAuthClient
from authward.storage.repos import oauth_clients as clients_repo

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
MAX_ASSERTION_LIFETIME = 600  # seconds: a longer-lived assertion is refused
LEEWAY = 30


@dataclass(frozen=True)
class PresentedClient:
    """What a request offers to authenticate its client."""

    authorization: str | None = None  # the Authorization header
    client_id: str | None = None
    client_secret: str | None = None
    assertion_type: str | None = None
    assertion: str | None = None


def _failed(basic: bool = False, why: str = "Client authentication failed") -> OAuthError:
    headers = {"www-authenticate": 'Basic realm="authward"'} if basic else {}
    return OAuthError("invalid_client", why, 401, headers)


def parse_basic(header: str) -> tuple[str, str] | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _failed(True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise _failed(True)
    return unquote_plus(client_id), unquote_plus(secret)


class ClientAuthenticator:
    """Runs its own units of work: a read to find the client, a write only to record an assertion's `jti`."""

    def __init__(self, db: Database, tickets: TicketService, issuer: str, token_endpoint: str,
                 clock: Clock = utc_now, also_accepted: list[str] | None = None) -> None:
        self._db = db
        self._tickets = tickets
        self._audiences = [issuer, token_endpoint, *(also_accepted or [])]
        self._clock = clock

    async def authenticate(self, presented: PresentedClient) -> OAuthClient:
        if presented.assertion is not None and presented.authorization is None and presented.client_secret is None:
            async with self._db.write() as session:
                return await self._by_assertion(session, presented)
        async with self._db.read() as session:
            return await self._authenticate(session, presented)

    async def _authenticate(self, session: AsyncSession, presented: PresentedClient) -> OAuthClient:
        basic = parse_basic(presented.authorization) if presented.authorization else None
        ways = [basic is not None, presented.client_secret is not None, presented.assertion is not None]
        if sum(ways) > 1:
            raise OAuthError("invalid_request", "Use one client authentication method at a time")
        if basic is not None:
            if presented.client_id is not None and presented.client_id != basic[0]:
                raise _failed(True)
            return await self._by_secret(session, basic[0], basic[1], basic=True)
        if presented.assertion is not None:
            return await self._by_assertion(session, presented)
        if not presented.client_id:
            raise _failed(why="Client authentication is required")
        if presented.client_secret is not None:
            return await self._by_secret(session, presented.client_id, presented.client_secret, basic=False)
        client = await clients_repo.get(session, presented.client_id)
        if client is None or not client.is_public:
            raise _failed()
        return client  # `none`: a public client, identified only

    async def _by_secret(self, session: AsyncSession, client_id: str, secret: str, *, basic: bool) -> OAuthClient:
        client = await clients_repo.get(session, client_id)
        expected = client.client_secret_hash if client is not None else None
        # The same work whether or not the client exists.
        matches = hmac.compare_digest(hash_secret(secret), expected or hash_secret("\0unknown client"))
        if client is None or expected is None or not matches:
            raise _failed(basic)
        return client

    async def _by_assertion(self, session: AsyncSession, presented: PresentedClient) -> OAuthClient:
        if presented.assertion_type != JWT_BEARER or not presented.assertion:
            raise OAuthError("invalid_request", f"client_assertion_type must be {JWT_BEARER}")
        try:
            unverified: dict[str, Any] = jwt.decode(presented.assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(presented.assertion)
        except jwt.PyJWTError:
            raise _failed() from None
        client_id = unverified.get("sub")
        if not isinstance(client_id, str) or (presented.client_id and presented.client_id != client_id):
            raise _failed()
        client = await clients_repo.get(session, client_id)
        if client is None or not client.jwks:
            raise _failed()
        claims = self._verified_assertion(client, presented.assertion, header)
        expires = datetime.fromtimestamp(float(claims["exp"]), UTC)
        ttl = max(int((expires - self._clock()).total_seconds()) + LEEWAY, 1)
        try:
            async with session.begin_nested():  # a replayed jti fails alone, not the unit of work
                await self._tickets.issue(session, TicketKind.CLIENT_ASSERTION, ttl,
                                          TicketOwner(address=client.client_id), value=f"{client_id}:{claims['jti']}")
        except IntegrityError:
            raise _failed(why="This client assertion was already used") from None
        return client

    def _verified_assertion(self, client: OAuthClient, assertion: str, header: dict[str, Any]) -> dict[str, Any]:
        try:
            keys = jwt.PyJWKSet.from_dict(client.jwks or {}).keys
        except jwt.PyJWTError:
            raise _failed() from None
        kid = header.get("kid")
        candidates = [key for key in keys if kid is None or key.key_id == kid]
        algorithm = header.get("alg")
        if len(candidates) != 1 or algorithm not in ASSERTION_ALGORITHMS:
            raise _failed()
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion, candidates[0].key, algorithms=[algorithm], audience=self._audiences,
                issuer=client.client_id, leeway=LEEWAY, options={"require": ["exp", "iss", "sub", "aud", "jti"]},
            )
        except jwt.PyJWTError:
            raise _failed() from None
        iat = claims.get("iat")
        now = self._clock().timestamp()
        if not isinstance(claims["jti"], str) or float(claims["exp"]) - now > MAX_ASSERTION_LIFETIME + LEEWAY:
            raise _failed()
        if isinstance(iat, int | float) and iat > now + LEEWAY:
            raise _failed()
        return claims
