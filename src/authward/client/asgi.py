"""Protecting a FastAPI or Starlette app with a `TokenVerifier`.

    verifier = TokenVerifier.for_server("http://127.0.0.1:4000")
    @app.get("/me")
    def me(user: Principal = Depends(require_user(verifier))) -> dict: ...

`AuthMiddleware` verifies every request up front (except exempt paths) and leaves the principal
in `request.state`; `require_user` then reuses it instead of verifying twice. The verifier's
`audience` and `required_scopes` apply to both; `scopes=` adds a route's (or the app's) own. A valid
token lacking a scope is a 403 with `WWW-Authenticate: Bearer error="insufficient_scope"`. This module needs
Starlette (FastAPI brings it); import it from `authward.client.asgi` or `authward.client`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from authward.client.errors import AuthError, InsufficientScope, InvalidToken, NetworkError
from authward.client.verifier import Principal, TokenVerifier

__all__ = ["AuthMiddleware", "current_principal", "require_user"]

STATE_KEY = "authward_principal"
_CHALLENGE = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def current_principal(connection: HTTPConnection) -> Principal | None:
    """The principal `AuthMiddleware` verified for this request, if any."""
    principal = connection.scope.get("state", {}).get(STATE_KEY)
    return principal if isinstance(principal, Principal) else None


async def _verify(verifier: TokenVerifier, authorization: str | None, scopes: tuple[str, ...] = ()) -> Principal:
    token = bearer_token(authorization)
    if token is None:
        raise InvalidToken(401, "unauthenticated-user", "A bearer access token is required")
    return await verifier.averify(token, required_scopes=scopes)


def _scope_challenge(missing: Iterable[str]) -> dict[str, str]:
    """RFC 6750 §3.1: the scopes a token would need."""
    return {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(missing)}"'}


def require_user(
    verifier: TokenVerifier, *, roles: Iterable[str] = (), scopes: Iterable[str] = ()
) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency giving the request's `Principal`: 401 without a valid token (or one for
    another audience), 403 when it lacks one of `scopes` (or the verifier's `required_scopes`), or
    `roles` are given and the user has none of them, 503 when the signing keys are unreachable."""
    wanted = frozenset(roles)
    needed = tuple(scopes)

    async def authward_user(request: Request) -> Principal:
        principal = current_principal(request)
        try:
            if principal is None:
                principal = await _verify(verifier, request.headers.get("authorization"), needed)
            else:
                missing = tuple(scope for scope in needed if not principal.has_scope(scope))
                if missing:
                    raise InsufficientScope(missing=missing)
        except InvalidToken as exc:
            raise HTTPException(401, exc.message, headers=_CHALLENGE) from exc
        except InsufficientScope as exc:
            raise HTTPException(403, exc.message, headers=_scope_challenge(exc.missing)) from exc
        except AuthError as exc:
            raise HTTPException(503, f"Cannot verify tokens now: {exc.message}") from exc
        if wanted and not wanted.intersection(principal.allowed_roles):
            raise HTTPException(403, f"Requires one of the roles: {', '.join(sorted(wanted))}")
        return principal

    return authward_user


class AuthMiddleware:
    """Pure ASGI middleware: rejects HTTP requests without a valid bearer token (Nhost-style error
    body), except paths in `exempt` (exact, or a prefix when written with a trailing `/`). A token
    lacking one of `scopes` (or the verifier's `required_scopes`) gets 403 `insufficient_scope`."""

    def __init__(
        self, app: ASGIApp, verifier: TokenVerifier, *, exempt: Iterable[str] = (), scopes: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.exempt = tuple(exempt)
        self.scopes = tuple(scopes)

    def _is_exempt(self, path: str) -> bool:
        return any(path == rule or (rule.endswith("/") and path.startswith(rule)) for rule in self.exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._is_exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        try:
            principal = await _verify(self.verifier, connection.headers.get("authorization"), self.scopes)
        except (InvalidToken, InsufficientScope, NetworkError) as exc:
            status = 401 if isinstance(exc, InvalidToken) else 403 if isinstance(exc, InsufficientScope) else 503
            headers = (
                _CHALLENGE if status == 401 else _scope_challenge(exc.missing) if isinstance(exc, InsufficientScope)
                else None
            )
            body = {"status": status, "error": exc.error, "message": exc.message}
            await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)
            return
        scope.setdefault("state", {})[STATE_KEY] = principal
        await self.app(scope, receive, send)
