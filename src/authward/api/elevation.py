"""`require_elevated`: the bearer dependency for sensitive routes (rule in services/elevation.py).

Every route that changes a long-lived credential uses it: creating a PAT, changing the password, the email
or MFA, adding a passkey (`Depends(require_elevated)`): an elevated token, or (by default) a recent
authentication that is not a PAT session.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request

from authward.api.deps import required_claims, runtime_of


async def require_elevated(request: Request, claims: dict[str, Any] = Depends(required_claims)) -> dict[str, Any]:
    """The verified claims, once the elevation rule allows them (401 otherwise).

    Use in place of `required_claims`: `claims: dict[str, Any] = Depends(require_elevated)`.
    """
    runtime_of(request).core.elevation.enforce(claims)
    return claims
