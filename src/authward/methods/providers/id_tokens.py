"""ID tokens from a provider: the signature against its JWKS (fetched with httpx, cached), then
issuer, audience (our client id, or one of the extra audiences configured), expiry and nonce.

The nonce, as Nhost checks it: an app passes its raw nonce, and the token carries the nonce's
SHA-256 in hex (what Apple's and Google's native SDKs are given) or, accepted too, the raw value.
A token with a nonce needs the nonce; a nonce given for a token without one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import jwt

from authward.errors import AuthError, ErrorCode
from authward.methods.providers.configured import HTTP_TIMEOUT, Provider

JWKS_TTL_SECONDS = 3600.0
JWKS_REFETCH_AFTER_SECONDS = 60.0  # an unknown `kid` refetches (a rotation), at most once a minute
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "EdDSA"]
LEEWAY_SECONDS = 30
MAX_ID_TOKEN_LENGTH = 16_384


def invalid(message: str) -> AuthError:
    return AuthError(ErrorCode.INVALID_REQUEST, f"Invalid ID token: {message}")


def nonce_matches(claimed: Any, given: str | None, *, hashed: bool = True) -> bool:
    if claimed is None:
        return given is None
    if not isinstance(claimed, str) or given is None:
        return False
    candidates = [given]
    if hashed:
        candidates.append(hashlib.sha256(given.encode()).hexdigest())
    return any(hmac.compare_digest(claimed.encode(), candidate.encode()) for candidate in candidates)


class JwksCache:
    def __init__(self, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._transport = transport
        self._sets: dict[str, tuple[float, float, jwt.PyJWKSet]] = {}  # url -> (expires, fetched, set)

    async def key(self, url: str, kid: str | None) -> jwt.PyJWK:
        now = time.monotonic()
        cached = self._sets.get(url)
        if cached is None or cached[0] < now:
            cached = await self._fetch(url, now)
        found = self._find(cached[2], kid)
        if found is None and now - cached[1] > JWKS_REFETCH_AFTER_SECONDS:
            found = self._find((await self._fetch(url, now))[2], kid)
        if found is None:
            raise invalid("unknown signing key")
        return found

    @staticmethod
    def _find(keys: jwt.PyJWKSet, kid: str | None) -> jwt.PyJWK | None:
        usable = [key for key in keys.keys if getattr(key, "public_key_use", None) in (None, "sig")]
        if kid is None:
            return usable[0] if len(usable) == 1 else None
        return next((key for key in usable if key.key_id == kid), None)

    async def _fetch(self, url: str, now: float) -> tuple[float, float, jwt.PyJWKSet]:
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=HTTP_TIMEOUT) as client:
                response = await client.get(url)
                response.raise_for_status()
                keys = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            raise AuthError(ErrorCode.OAUTH_PROVIDER_ERROR, "the provider's keys could not be fetched") from exc
        entry = (now + JWKS_TTL_SECONDS, now, keys)
        self._sets[url] = entry
        return entry


class IdTokenVerifier:
    def __init__(self, jwks: JwksCache) -> None:
        self._jwks = jwks

    async def verify(self, provider: Provider, token: str, nonce: str | None, *, hashed_nonce: bool = True
                     ) -> dict[str, Any]:
        spec = provider.spec
        if spec.jwks_url is None or not spec.issuers:
            raise AuthError(ErrorCode.INVALID_REQUEST, f"{provider.name} does not sign in with ID tokens")
        if len(token) > MAX_ID_TOKEN_LENGTH:
            raise invalid("too long")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise invalid("malformed") from exc
        if header.get("alg") not in ALGORITHMS:
            raise invalid("algorithm not allowed")
        key = await self._jwks.key(spec.jwks_url, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[header["alg"]], audience=provider.audiences, leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_iss": False},
            )
        except jwt.InvalidAudienceError as exc:
            raise invalid("wrong audience") from exc
        except jwt.ExpiredSignatureError as exc:
            raise invalid("expired") from exc
        except jwt.PyJWTError as exc:
            raise invalid("signature or claims") from exc
        if claims.get("iss") not in spec.issuers:
            raise invalid("wrong issuer")
        if not nonce_matches(claims.get("nonce"), nonce, hashed=hashed_nonce):
            raise invalid("nonce mismatch")
        return claims
