"""How an imported TOTP secret is stored: exactly as an activated enrolment would have stored it."""

from __future__ import annotations

from authward.methods.totp.state import TotpState
from authward.methods.totp.verifier import CREDENTIAL_TYPE, SecondFactorVerifier
from authward.security.secretbox import SecretBox
from authward.services.recovery_codes import RecoveryCodes
from authward.services.sign_in_policy import MFA_TYPE_TOTP
from authward.services.user_import.writer import TotpImport


def totp_import(box: SecretBox) -> TotpImport:
    """Sealed with the server's key (AUTHWARD_SECRET_KEY, or the data directory's secret.key)."""
    verifier = SecondFactorVerifier(box, RecoveryCodes(box.derive(b"authward/recovery-codes/v1")))
    return TotpImport(
        credential_type=CREDENTIAL_TYPE,
        mfa_type=MFA_TYPE_TOTP,
        active_state=TotpState(active=True).to_data(),
        seal=verifier.seal,
    )
