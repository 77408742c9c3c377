"""The elevation rule: which access tokens may do sensitive things (PATs, email change, MFA, keys).

An access token is *elevated* when
  1. its Hasura namespace has `x-hasura-auth-elevated` equal to its `sub` (the Nhost claim), and
  2. its `auth_time` is at most AUTHWARD_ELEVATION_MAX_AGE seconds old (default 600).
Only `SessionService.issue(..., elevated=True)` writes the claim: sessions born of a fresh
authentication (`MethodInfo.fresh`: a password sign-in, an MFA completion, `POST /elevate/totp`). Refreshed access
tokens never carry it, as in Nhost, so elevation lasts at most one access token.

With AUTHWARD_REQUIRE_ELEVATED_CLAIM=false (the default) sensitive routes (creating a PAT, changing
the password, the email or MFA, adding a passkey) accept an elevated token or a *recent authentication*:
a token whose `auth_time` is at most AUTHWARD_RECENT_AUTH_MAX_AGE seconds old (default 600) and whose
session was not opened by a PAT (`auth_time` survives refreshes, so a stolen or long-lived
token cannot change credentials). With true they demand the elevation claim. Otherwise 401
`elevated-claim-required`; Nhost clients that elevate first (`/elevate/*`) keep working either way.
The FastAPI dependency is `authward.api.elevation.require_elevated`.
"""

from __future__ import annotations

from typing import Any

from authward.clock import Clock, utc_now
from authward.errors import AuthError, ErrorCode
from authward.services.claims import ELEVATED_CLAIM
from authward.services.method_info import MFA_AMR, PAT_AMR
from authward.settings import Settings


def passed_second_factor(claims: dict[str, Any]) -> bool:
    """balena's `is_passed` for an enrolled user: this session's sign-in included a second factor."""
    amr = claims.get("amr")
    return isinstance(amr, list) and MFA_AMR in amr


class ElevationRule:
    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self._settings = settings
        self._clock = clock

    def is_elevated(self, claims: dict[str, Any]) -> bool:
        namespace = claims.get(self._settings.tokens.jwt_claims_namespace)
        if not isinstance(namespace, dict) or namespace.get(ELEVATED_CLAIM) != claims.get("sub"):
            return False
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int) or isinstance(auth_time, bool):
            return False
        age = self._clock().timestamp() - auth_time
        return age <= self._settings.mfa.elevation_max_age

    def is_recent(self, claims: dict[str, Any]) -> bool:
        """A recent authentication by the user themselves (not a PAT session)."""
        amr = claims.get("amr")
        if not isinstance(amr, list) or not amr or PAT_AMR in amr:
            return False
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int) or isinstance(auth_time, bool):
            return False
        return self._clock().timestamp() - auth_time <= self._settings.security.recent_auth_max_age

    def enforce(self, claims: dict[str, Any]) -> None:
        """Raise `elevated-claim-required` unless the token is elevated (or, by default, recent)."""
        if self.is_elevated(claims):
            return
        if self._settings.mfa.require_elevated_claim or not self.is_recent(claims):
            raise AuthError(ErrorCode.ELEVATION_REQUIRED)
