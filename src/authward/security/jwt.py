"""Access tokens: sign with the ring's current key, verify against an exact `kid` match.

Every decode pins the algorithm of the key found by `kid` (never the header's `alg`), requires
`exp`, `iat`, `iss` and `sub`, and checks the issuer: alg-confusion, `none` and unknown-kid
tokens are rejected (RFC 8725).
"""

from __future__ import annotations

import time
from typing import Any

import jwt

from authward.services.keys import KeyRing

# Tokens are verified by the server that signed them (or its peers): little skew to allow for.
LEEWAY_SECONDS = 5
REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub"]
# Verified tokens remembered, so a client calling GET /user repeatedly pays the signature check once.
VERIFIED_CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """The token is malformed, forged, expired, or not ours."""


class AccessTokenCodec:
    def __init__(self, ring: KeyRing, issuer: str, namespace: str) -> None:
        self._ring = ring
        self._issuer = issuer
        self._namespace = namespace
        self._options: Any = {"require": REQUIRED_CLAIMS, "verify_aud": False}
        self._verified: dict[str, dict[str, Any]] = {}

    def encode(self, claims: dict[str, Any]) -> str:
        key = self._ring.signing_key
        if key.private_key is None:  # the ring only picks keys it holds the private part of
            raise RuntimeError("the signing key has no private part")
        return jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
        )

    async def decode(self, token: str) -> dict[str, Any]:
        """The verified claims of one of our access tokens, or InvalidToken.

        A token verified before is answered from memory until its `exp`: the cache is keyed by the
        whole token, signature included, so it can only ever return what a full check returned.
        Keys are never withdrawn before every token they signed has expired (see KeyRing.rotate).
        """
        cached = self._verified.get(token)
        if cached is not None:
            if cached["exp"] + LEEWAY_SECONDS > time.time():
                return cached
            del self._verified[token]
        claims = await self._decode(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = claims
        return claims

    async def _decode(self, token: str) -> dict[str, Any]:
        if len(token) > 8192:
            raise InvalidToken("token too large")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("missing kid")
        key = await self._ring.verification_key_or_reload(kid)
        if key is None:
            raise InvalidToken("unknown kid")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.public_key,
                algorithms=[key.algorithm],
                issuer=self._issuer,
                options=self._options,
                leeway=LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        hasura = claims.get(self._namespace)
        if not isinstance(hasura, dict) or hasura.get("x-hasura-user-id") != claims["sub"]:
            raise InvalidToken("not an access token")
        return claims
