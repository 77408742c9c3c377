"""Who may hold a session at all (rules 1-3 of services/sign_in.py), and who owes a second factor.

Shared by the sign-in completion and by the session issuer, which re-applies it on every refresh.
"""

from __future__ import annotations

from authward.errors import AuthError, ErrorCode
from authward.services.method_info import MethodInfo
from authward.storage.models import User

__all__ = ["MFA_TYPE_TOTP", "SignInPolicy", "requires_second_factor"]

MFA_TYPE_TOTP = "totp"


def requires_second_factor(user: User) -> bool:
    """Enforced whenever the user enrolled, even if AUTHWARD_MFA_ENABLED was later turned off."""
    return user.active_mfa_type == MFA_TYPE_TOTP


class SignInPolicy:
    def __init__(self, email_verification_required: bool, operator_allows_mfa_skips: bool = False) -> None:
        self._verification_required = email_verification_required
        self._operator_allows_mfa_skips = operator_allows_mfa_skips  # AUTHWARD_PAT_SKIPS_MFA

    def skips_second_factor(self, method: MethodInfo) -> bool:
        """The method declares why it may skip the second factor, and (if the skip is an operator's
        choice, as a PAT's) the operator allowed it."""
        if method.skips_mfa_because is None:
            return False
        return not method.skip_is_operator_choice or self._operator_allows_mfa_skips

    def refusal(self, user: User) -> AuthError | None:
        """Disabled users, and (verification required) users whose address is not verified."""
        if user.disabled:
            return AuthError(ErrorCode.DISABLED_USER)
        if self._verification_required and not user.is_anonymous and user.email is not None \
                and not user.email_verified:
            return AuthError(ErrorCode.UNVERIFIED_USER)
        return None

    def refusal_for(self, user: User, method: MethodInfo) -> AuthError | None:
        """`refusal`, and anonymous users only through the anonymous method (and only they)."""
        if not user.disabled and user.is_anonymous != method.for_anonymous:
            return AuthError(ErrorCode.FORBIDDEN_ANONYMOUS)
        return self.refusal(user)
