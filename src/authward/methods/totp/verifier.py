"""Checks a second-factor code (TOTP, or a recovery code where allowed) inside a unit of work.

Failures are written to the TOTP credential before the caller raises, so the caller must commit
the unit of work on failure too (return the error, raise it after the `async with`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from authward.errors import AuthError, ErrorCode
from authward.methods.totp.otp import DEFAULT_PARAMETERS, TotpParameters, matching_step
from authward.methods.totp.state import TotpState
from authward.security.secretbox import SecretBox
from authward.services import audit
from authward.services.method_info import RECOVERY_CODE, TOTP, MethodInfo
from authward.services.recovery_codes import RecoveryCodes
from authward.storage.models import Credential
from authward.storage.repos import credentials as credentials_repo

CREDENTIAL_TYPE = "totp"


def _purpose(user_id: uuid.UUID) -> str:
    """Bound into the AES-GCM associated data: one user's sealed secret cannot serve another."""
    return f"totp-secret:{user_id}"


@dataclass(frozen=True)
class VerifiedFactor:
    method: MethodInfo


class SecondFactorVerifier:
    def __init__(self, box: SecretBox, recovery: RecoveryCodes, params: TotpParameters = DEFAULT_PARAMETERS) -> None:
        self._box = box
        self._recovery = recovery
        self.params = params

    def seal(self, user_id: uuid.UUID, secret: str) -> bytes:
        return self._box.encrypt(secret.encode(), _purpose(user_id))

    def secret_of(self, credential: Credential) -> str:
        assert credential.secret_encrypted is not None
        return self._box.decrypt(credential.secret_encrypted, _purpose(credential.user_id)).decode()

    async def check(
        self,
        session: AsyncSession,
        user_id: uuid.UUID,
        code: str,
        now: datetime,
        *,
        allow_recovery: bool,
    ) -> VerifiedFactor | AuthError:
        credential = await credentials_repo.get_for_update(session, user_id, CREDENTIAL_TYPE)
        if credential is None or credential.secret_encrypted is None:
            return AuthError(ErrorCode.NO_TOTP_SECRET)
        state = TotpState.from_data(credential.data)
        if state.locked(now):
            return AuthError(ErrorCode.TOO_MANY_REQUESTS, "Too many incorrect codes; try again in a few minutes")
        cleaned = "".join(code.split())
        step = matching_step(self.secret_of(credential), cleaned, now, self.params)
        if step is not None and (state.last_step is None or step > state.last_step):
            await credentials_repo.set_data(session, credential.id, state.accepted(step).to_data(), now)
            return VerifiedFactor(TOTP)
        if step is None and allow_recovery and await self._recovery.consume(session, user_id, cleaned, now):
            await credentials_repo.set_data(session, credential.id, state.accepted(None).to_data())
            return VerifiedFactor(RECOVERY_CODE)
        await credentials_repo.set_data(session, credential.id, state.failed(now).to_data())
        audit.record(session, "mfa.totp.failed", now, user_id)  # committed with the failure count
        return AuthError(ErrorCode.INVALID_TOTP)
