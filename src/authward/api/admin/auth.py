"""Who may call the admin API: the holder of AUTHWARD_ADMIN_SECRET, or a user whose token holds the `admin` role.

The secret comes in the `x-authward-admin-secret` header and is compared in constant time; a wrong one is
401 (as is a request with neither credential). A valid access token without the `admin` role in its
allowed-roles claim is 403. A token's admin must still be an active user who still holds the role (read
from the database, so a role taken away or an account disabled stops working at once, not at expiry).
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from authward.api.deps import claims_from_header, runtime_of
from authward.errors import AuthError, ErrorCode
from authward.services.admin.actor import Actor
from authward.services.core import Core
from authward.services.users import ADMIN_ROLE, load_active_user

SECRET_HEADER = "x-authward-admin-secret"  # noqa: S105 - a header name
# Declares the header in /openapi.json (a security scheme); the check is `require_admin`'s.
secret_scheme = APIKeyHeader(name=SECRET_HEADER, auto_error=False, scheme_name="AdminSecret")


def _secret_matches(core: Core, given: str) -> bool:
    expected = core.settings.server.admin_secret
    if expected is None or not expected.get_secret_value():
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.get_secret_value().encode())


def _has_admin_role(core: Core, claims: dict[str, Any]) -> bool:
    namespaced = claims.get(core.settings.tokens.jwt_claims_namespace)
    roles = namespaced.get("x-hasura-allowed-roles") if isinstance(namespaced, dict) else None
    return isinstance(roles, list) and ADMIN_ROLE in roles


async def require_admin(request: Request, given: str | None = Depends(secret_scheme)) -> Actor:
    """The acting admin, or 401/403 in the Nhost error shape."""
    core = runtime_of(request).core
    if given is not None:
        if not _secret_matches(core, given):
            raise AuthError(ErrorCode.UNAUTHENTICATED, "Invalid admin secret")
        return Actor.secret()
    claims = await claims_from_header(core, request.headers.get("authorization"))
    if claims is None:
        raise AuthError(ErrorCode.UNAUTHENTICATED, "The admin API needs the admin secret or an admin's access token")
    if not _has_admin_role(core, claims):
        raise AuthError(ErrorCode.FORBIDDEN, "This needs the admin role")
    user = await load_active_user(core.db, claims["sub"])
    if ADMIN_ROLE not in [*user.roles, user.default_role]:
        raise AuthError(ErrorCode.FORBIDDEN, "This needs the admin role")
    return Actor.admin_user(user.id)
