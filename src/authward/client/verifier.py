"""Verifying access tokens locally, for resource servers: no call to the auth server per request.

`TokenVerifier` keeps the server's JWKS in memory, refetches it when a token names an unknown
`kid` (a rotated key) at most once per `min_refetch_interval`, and checks signature, algorithm
allow-list, issuer, expiry (with leeway) and, when asked, audience (`audience=`: the token's `aud`,
a string or a list, must contain it) and scopes (`required_scopes=`: all in its space-separated
`scope` claim; a valid token lacking one raises InsufficientScope, a 403, not InvalidToken).

It needs PyJWT (`pip install 'authward[server]'` or `pip install 'pyjwt[crypto]'`), imported on
first verification so that the base client install does without it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from authward.client.errors import InsufficientScope, InvalidToken, NetworkError, UnexpectedResponse
from authward.client.state import API_PREFIX

__all__ = ["DEFAULT_ALGORITHMS", "HASURA_NAMESPACE", "Principal", "TokenVerifier", "scopes_of"]

DEFAULT_ALGORITHMS = ("RS256", "ES256", "EdDSA")
HASURA_NAMESPACE = "https://hasura.io/jwt/claims"
JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class Principal:
    """Who a verified access token speaks for."""

    user_id: str
    default_role: str | None
    allowed_roles: tuple[str, ...]
    claims: Mapping[str, Any] = field(repr=False)
    token: str = field(repr=False)
    scopes: tuple[str, ...] = ()  # the `scope` claim of a token issued to an OAuth client
    client_id: str | None = None  # that client (for client_credentials, also `user_id`)

    def has_role(self, role: str) -> bool:
        return role in self.allowed_roles

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def scopes_of(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The token's scopes: its `scope` claim, space-separated (a list is accepted too)."""
    scope = claims.get("scope")
    if isinstance(scope, str):
        return tuple(scope.split())
    if isinstance(scope, list):
        return tuple(str(item) for item in scope)
    return ()


def _jwt() -> Any:
    try:
        import jwt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("TokenVerifier needs PyJWT: pip install 'pyjwt[crypto]'") from exc
    return jwt


def _issuer_of(jwks_url: str) -> str:
    """`http://host:4000/v1/.well-known/jwks.json` -> `http://host:4000` (the server's public URL)."""
    parts = urlsplit(jwks_url)
    path = parts.path
    for suffix in (JWKS_PATH, API_PREFIX):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")


class TokenVerifier:
    """Verifies access tokens against a cached JWKS. Thread- and task-safe."""

    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str | None = None,
        audience: str | Sequence[str] | None = None,
        required_scopes: Iterable[str] = (),
        algorithms: Sequence[str] = DEFAULT_ALGORITHMS,
        leeway: float = 10.0,
        cache_seconds: float = 600.0,
        min_refetch_interval: float = 30.0,
        claims_namespace: str = HASURA_NAMESPACE,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.jwks_url = jwks_url
        self.issuer = issuer if issuer is not None else _issuer_of(jwks_url)
        self.audience = audience
        self.required_scopes = tuple(required_scopes)
        self.algorithms = tuple(alg for alg in algorithms if alg.lower() != "none" and not alg.startswith("HS"))
        self.leeway = leeway
        self.cache_seconds = cache_seconds
        self.min_refetch_interval = min_refetch_interval
        self.claims_namespace = claims_namespace
        self.timeout = timeout
        self._clock = clock
        self._http = http_client
        self._async_http = async_http_client
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._last_attempt: float | None = None
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        self.fetch_count = 0

    @classmethod
    def for_server(cls, base_url: str, **options: Any) -> TokenVerifier:
        """A verifier for an authward server at `base_url` (its public URL, the tokens' issuer)."""
        root = base_url.rstrip("/")
        return cls(f"{root}{API_PREFIX}{JWKS_PATH}", **{"issuer": root, **options})

    # -- public
    def verify(self, token: str, *, required_scopes: Iterable[str] = ()) -> Principal:
        """The principal of a valid token; InvalidToken otherwise, NetworkError if keys are unreachable.

        InsufficientScope when the token lacks one of the verifier's `required_scopes` or these.
        """
        kid = self._kid(token)
        if self._should_fetch(kid):
            with self._lock:
                if self._should_fetch(kid):
                    try:
                        self._install(self._fetch_sync())
                    except (NetworkError, UnexpectedResponse):
                        if kid not in self._keys:  # a stale cache that still has the key keeps working
                            raise
        return self._principal(self._decode(token, kid), token, required_scopes)

    async def averify(self, token: str, *, required_scopes: Iterable[str] = ()) -> Principal:
        """`verify` for async code: the JWKS fetch does not block the event loop."""
        kid = self._kid(token)
        if self._should_fetch(kid):
            if self._async_lock is None:
                self._async_lock = asyncio.Lock()
            async with self._async_lock:
                if self._should_fetch(kid):
                    try:
                        self._install(await self._fetch_async())
                    except (NetworkError, UnexpectedResponse):
                        if kid not in self._keys:
                            raise
        return self._principal(self._decode(token, kid), token, required_scopes)

    # -- for callers that fetch the JWKS on their own connection (the SDK's OAuth flows)
    def key_fetch_url(self, token: str) -> str | None:
        """The JWKS URL to fetch before `decode(token)` (the attempt is counted), or None: the cache will do."""
        kid = self._kid(token)
        if not self._should_fetch(kid):
            return None
        self._last_attempt = self._clock()
        return self.jwks_url

    def knows_key(self, token: str) -> bool:
        """Whether the cache holds the key that signed `token`."""
        return self._kid(token) in self._keys

    def install_keys(self, jwks: Any) -> None:
        """Use a JWKS fetched by the caller (the body of `key_fetch_url`)."""
        self._install(jwks)

    def decode(
        self, token: str, *, audience: str | Sequence[str] | None = None, require: Sequence[str] = ("exp", "iat", "sub")
    ) -> dict[str, Any]:
        """The claims of a token signed by a cached key, issued by `issuer`, unexpired, for `audience`."""
        return self._decode(token, self._kid(token), audience=audience, require=require)

    # -- steps shared by verify and averify
    def _kid(self, token: str) -> str:
        jwt = _jwt()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(401, "invalid-token", f"Malformed token: {exc}") from exc
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.algorithms:
            raise InvalidToken(401, "invalid-token", f"Algorithm {alg!r} is not allowed")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken(401, "invalid-token", "The token names no key (kid)")
        return kid

    def _should_fetch(self, kid: str) -> bool:
        """Fetch when the cache is stale or lacks `kid`, but never twice within `min_refetch_interval`."""
        now = self._clock()
        if self._last_attempt is not None and now - self._last_attempt < self.min_refetch_interval:
            return False
        stale = self._fetched_at is None or now - self._fetched_at >= self.cache_seconds
        return stale or kid not in self._keys

    def _fetch_sync(self) -> Any:
        self._last_attempt = self._clock()
        try:
            if self._http is not None:
                response = self._http.get(self.jwks_url, timeout=self.timeout)
            else:
                response = httpx.get(self.jwks_url, timeout=self.timeout)
        except httpx.TransportError as exc:
            raise NetworkError(f"Cannot fetch the JWKS from {self.jwks_url}: {exc}") from exc
        return self._jwks_body(response)

    async def _fetch_async(self) -> Any:
        self._last_attempt = self._clock()
        try:
            if self._async_http is not None:
                response = await self._async_http.get(self.jwks_url, timeout=self.timeout)
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as http:
                    response = await http.get(self.jwks_url)
        except httpx.TransportError as exc:
            raise NetworkError(f"Cannot fetch the JWKS from {self.jwks_url}: {exc}") from exc
        return self._jwks_body(response)

    def _jwks_body(self, response: httpx.Response) -> Any:
        if not response.is_success:
            raise UnexpectedResponse(
                response.status_code, f"JWKS fetch from {self.jwks_url} answered {response.status_code}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise UnexpectedResponse(response.status_code, f"JWKS at {self.jwks_url} is not JSON") from exc

    def _install(self, jwks: Any) -> None:
        """Replace the key cache with the usable keys of a JWKS (unsupported keys are skipped)."""
        jwt = _jwt()
        keys: dict[str, Any] = {}
        for data in jwks.get("keys", []) if isinstance(jwks, dict) else []:
            try:
                key = jwt.PyJWK(data)
            except jwt.PyJWTError:
                continue
            if key.key_id:
                keys[key.key_id] = key
        self._keys = keys
        self._fetched_at = self._clock()
        self.fetch_count += 1

    def _decode(
        self, token: str, kid: str, *, audience: str | Sequence[str] | None = None,
        require: Sequence[str] = ("exp", "iat", "sub"),
    ) -> dict[str, Any]:
        jwt = _jwt()
        audience = self.audience if audience is None else audience
        if self._fetched_at is None:
            raise NetworkError(f"No signing keys yet: the JWKS at {self.jwks_url} could not be fetched")
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken(401, "invalid-token", f"Unknown signing key {kid!r}")
        header_alg = jwt.get_unverified_header(token).get("alg")
        if key.algorithm_name and key.algorithm_name != header_alg:
            raise InvalidToken(401, "invalid-token", "The token's algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key.key,
                algorithms=[header_alg],
                issuer=self.issuer or None,
                audience=audience,
                leeway=self.leeway,
                options={"require": list(require), "verify_aud": audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken(401, "invalid-token", "The token has expired") from exc
        except (jwt.InvalidAudienceError, jwt.MissingRequiredClaimError) as exc:
            if isinstance(exc, jwt.MissingRequiredClaimError) and exc.claim != "aud":
                raise InvalidToken(401, "invalid-token", f"Invalid token: {exc}") from exc
            wanted = audience if isinstance(audience, str) else " or ".join(audience or ())
            raise InvalidToken(401, "invalid-token", f"The token is not for this audience ({wanted})") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(401, "invalid-token", f"Invalid token: {exc}") from exc
        return claims

    def _principal(self, claims: dict[str, Any], token: str, required_scopes: Iterable[str] = ()) -> Principal:
        scopes = scopes_of(claims)
        wanted = (*self.required_scopes, *required_scopes)
        missing = tuple(dict.fromkeys(scope for scope in wanted if scope not in scopes))
        if missing:
            raise InsufficientScope(missing=missing)
        namespace = claims.get(self.claims_namespace)
        scoped: Mapping[str, Any] = namespace if isinstance(namespace, dict) else {}
        roles = scoped.get("x-hasura-allowed-roles")
        return Principal(
            user_id=str(scoped.get("x-hasura-user-id") or claims["sub"]),
            default_role=scoped.get("x-hasura-default-role"),
            allowed_roles=tuple(roles) if isinstance(roles, list) else (),
            claims=claims,
            token=token,
            scopes=scopes,
            client_id=claims["client_id"] if isinstance(claims.get("client_id"), str) else None,
        )
