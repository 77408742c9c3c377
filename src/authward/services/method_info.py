"""What the session layer knows of a sign-in method: its id, its factor, the `amr` it adds.

The method packages (authward.methods) declare one each; the rules that read these fields live in
services/sign_in.py (the one sign-in completion).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Added to `amr` once a second factor completed the authentication (RFC 8176 "mfa").
MFA_AMR = "mfa"


class Factor(StrEnum):
    FIRST = "first"
    SECOND = "second"


@dataclass(frozen=True)
class MethodInfo:
    id: str
    factor: Factor
    amr: str | None  # RFC 8176 authentication method reference (None: adds none, it relays an earlier login)
    # A proof the user presented just now (a password, a code, a link): its session is elevated.
    # False for credentials that stand in for the user (a PAT) and for anonymous sessions.
    fresh: bool = True
    # Why this first factor may skip the second one (None: it may not). Written here, read by the policy.
    skips_mfa_because: str | None = None
    # The skip is an operator's choice (a setting read by the sign-in policy), not the method's alone.
    skip_is_operator_choice: bool = False
    # Only the anonymous method opens sessions for anonymous users.
    for_anonymous: bool = False


def merge_amr(*groups: list[str] | str | None) -> list[str]:
    """Ordered, without duplicates: ["pwd"] + "otp" + "mfa" -> ["pwd", "otp", "mfa"]."""
    values: list[str] = []
    for group in groups:
        if group is not None:
            values.extend([group] if isinstance(group, str) else group)
    return list(dict.fromkeys(v for v in values if isinstance(v, str) and v))


PASSWORD = MethodInfo("password", Factor.FIRST, "pwd")
EMAIL_LINK = MethodInfo("email_link", Factor.FIRST, "email")  # a mailed link: the mailbox (as Supabase)
# Asks for a sign-in link; following it is EMAIL_LINK's sign-in (so MAGIC_LINK itself opens no session).
MAGIC_LINK = MethodInfo("magic_link", Factor.FIRST, "email")
EMAIL_OTP = MethodInfo("email_otp", Factor.FIRST, "otp")
SMS_OTP = MethodInfo("sms_otp", Factor.FIRST, "sms")
ANONYMOUS = MethodInfo("anonymous", Factor.FIRST, "anon", fresh=False, for_anonymous=True,
                       skips_mfa_because="an anonymous user cannot enrol a second factor")
PAT_AMR = "pat"
PAT = MethodInfo("pat", Factor.FIRST, PAT_AMR, fresh=False,
                 skips_mfa_because="a PAT is minted from a recent sign-in, which already passed the second "
                                   "factor; it stands in for that session, as Nhost's do",
                 skip_is_operator_choice=True)  # only with AUTHWARD_PAT_SKIPS_MFA=true
# The OAuth face's authorization code: a client redeems the login a user completed at /authorize.
OAUTH_CODE = MethodInfo("oauth_code", Factor.FIRST, None, fresh=False,
                        skips_mfa_because="the login that produced the code already passed the second factor "
                                          "when one was due; its amr, carried in the code, says so")
# Nhost's PKCE exchange (POST /token/exchange): the app redeems a sign-in completed at a redirect (a link,
# a provider). The code's payload carries that sign-in's amr and freshness (services/exchange_codes.py).
PKCE_EXCHANGE = MethodInfo("pkce_exchange", Factor.FIRST, None,
                           skips_mfa_because="the code is only issued once the second factor is not owed (an MFA "
                                             "challenge is answered instead); its amr, carried in the code, says so")
# A passkey or security key (RFC 8176 "hwk"). Verified with user verification (a PIN or biometric on the
# authenticator) it is two factors in one; without, possession only, and a second factor is still due.
WEBAUTHN = MethodInfo("webauthn", Factor.FIRST, "hwk")
WEBAUTHN_VERIFIED = MethodInfo("webauthn_uv", Factor.FIRST, "hwk",
                               skips_mfa_because="user verification on the authenticator (PIN or biometric) is a "
                                                 "second factor bound to the key itself (NIST 800-63B AAL3-capable)")
WEBAUTHN_STEP_UP = MethodInfo("webauthn_2fa", Factor.SECOND, "hwk")
TOTP = MethodInfo("totp", Factor.SECOND, "otp")
RECOVERY_CODE = MethodInfo("recovery_code", Factor.SECOND, "otp")
# An external provider vouched for the user (a social sign-in, an ID token). RFC 8176 lists no value for
# federation; "fed" is authward's own, as the OIDC spec allows.
PROVIDER = MethodInfo("provider", Factor.FIRST, "fed")
ID_TOKEN = MethodInfo("id_token", Factor.FIRST, "fed")
