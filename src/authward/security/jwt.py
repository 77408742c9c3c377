"""Access tokens: sign with the ring's current key, verify against an exact `kid` match.

Every decode pins the algorithm of the key found by `kid` (never the header's `alg`), requires
`exp`, `iat`, `iss` and `sub`, and checks the issuer: alg-confusion, `none` and unknown-kid
tokens are rejected (RFC 8725). A caller may require an audience (`aud`, RFC 7519 §4.1.3), and
the codec's `accept` rule says what counts as an access token at all (the Nhost face: Hasura claims
for the token's subject), so an ID token signed by the same key is not taken for one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import jwt

from authward.security.revocations import Revocations

# Tokens are verified by the server that signed them (or its peers): little skew to allow for.
LEEWAY_SECONDS = 5
REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub"]
# Verified tokens remembered, so a client calling GET /user repeatedly pays the signature check once.
VERIFIED_CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """The token is malformed, forged, expired, or not ours."""


class RevokedToken(InvalidToken):
    """A valid token of a user shut out since (`reason`: revocations.DISABLED or DELETED)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the user was {reason} after this token was issued")
        self.reason = reason


class SigningKeyView(Protocol):
    @property
    def kid(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def public_key(self) -> Any: ...
    @property
    def private_key(self) -> Any | None: ...


class KeySource(Protocol):
    """What the codec needs of a key ring (services/keys.py): the key to sign with, keys by kid."""

    @property
    def signing_key(self) -> SigningKeyView: ...

    async def verification_key_or_reload(self, kid: str) -> SigningKeyView | None: ...


class AccessTokenCodec:
    def __init__(self, ring: KeySource, issuer: str, accept: Callable[[dict[str, Any]], bool],
                 revocations: Revocations | None = None) -> None:
        self._ring = ring
        self._revocations = revocations or Revocations(None)
        self._issuer = issuer
        self._accept = accept
        self._options: Any = {"require": REQUIRED_CLAIMS, "verify_aud": False}
        self._options_no_exp: Any = {**self._options, "verify_exp": False}
        self._verified: dict[str, dict[str, Any]] = {}

    @property
    def algorithm(self) -> str:
        """The algorithm tokens are signed with now (ID tokens' `at_hash` depends on it)."""
        return self._ring.signing_key.algorithm

    def encode(self, claims: dict[str, Any]) -> str:
        key = self._ring.signing_key
        if key.private_key is None:  # the ring only picks keys it holds the private part of
            raise RuntimeError("the signing key has no private part")
        return jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "JWT"}
        )

    async def decode(
        self, token: str, *, audience: str | None = None, accept: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """The verified claims of one of our access tokens, or InvalidToken.

        With `audience`, the token's `aud` (a string or a list) must name it. `accept` replaces the
        codec's rule of what an access token is (another face's tokens: a client's, for instance).

        A token verified before is answered from memory until its `exp`: the cache is keyed by the
        whole token, signature included, so it can only ever return what a full check returned.
        Keys are never withdrawn before every token they signed has expired (see KeyRing.rotate).
        A disabled user's tokens are refused from the moment this process hears of it (revocations.py).
        """
        claims = self._verified.get(token)
        if claims is not None and not claims["exp"] + LEEWAY_SECONDS > time.time():
            del self._verified[token]
            claims = None
        if claims is None:
            claims = await self._decode(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        if (reason := self._revocations.refusal(claims)) is not None:
            raise RevokedToken(reason)
        if not (accept or self._accept)(claims):
            raise InvalidToken("not an access token")
        if audience is not None and not _names_audience(claims.get("aud"), audience):
            raise InvalidToken("wrong audience")
        return claims

    async def verify_signed(self, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
        """The claims of any token we signed (an ID token as `id_token_hint`), expired ones too if asked."""
        return await self._decode(token, verify_exp=verify_exp)

    async def _decode(self, token: str, *, verify_exp: bool = True) -> dict[str, Any]:
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
                options=self._options if verify_exp else self._options_no_exp,
                leeway=LEEWAY_SECONDS,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if not isinstance(claims.get("exp"), int | float):
            raise InvalidToken("exp is not a number")
        return claims


def _names_audience(aud: Any, audience: str) -> bool:
    if isinstance(aud, str):
        return aud == audience
    return isinstance(aud, list) and audience in aud
