"""The kinds of single-use secret, as stored in `tickets.kind`: one enum for every flow."""

from __future__ import annotations

from enum import StrEnum


class TicketKind(StrEnum):
    """Values of bearer kinds are their ticket's prefix (`passwordReset:...`, as Nhost's tickets)."""

    VERIFY_EMAIL = "verifyEmail"
    PASSWORDLESS_EMAIL = "passwordlessEmail"
    PASSWORD_RESET = "passwordReset"  # noqa: S105 - a ticket kind
    EMAIL_CONFIRM_CHANGE = "emailConfirmChange"
    MFA_TOTP = "mfaTotp"  # the ticket a first factor answers when a second one is due
    EMAIL_OTP = "otpEmail"  # a six-digit code mailed to an address
    SMS_OTP = "otpSms"  # a six-digit code sent to a phone number
    OAUTH_REQUEST = "oauthRequest"  # a pending /authorize waiting for a login (its id is a UUID, as Nhost's)
    OAUTH_CODE = "oauthCode"  # an authorization code (RFC 6749 §4.1.2), owned by its client
    CLIENT_ASSERTION = "clientAssertion"  # a used private_key_jwt `jti`, kept to refuse its replay
    WEBAUTHN_CHALLENGE = "webauthnChallenge"  # a ceremony's challenge, bound to the ceremony and its user/email
    PKCE_CODE = "pkceCode"  # a redirect's one-time code for POST /token/exchange, bound to a code challenge
    PHONE_CHANGE_OTP = "otpPhoneChange"  # a six-digit code sent to a user's new phone number
    PROVIDER_STATE = "providerState"  # a social sign-in's `state`: its options and PKCE verifier, bound to a cookie
    INVITE = "invite"  # an admin's invitation: the invitee sets a password on the hosted page /invite


# Short codes a person types: found by (kind, owner), each allowing a few guesses.
CODE_KINDS = frozenset({TicketKind.EMAIL_OTP, TicketKind.SMS_OTP, TicketKind.PHONE_CHANGE_OTP})

# The `type` query parameter Nhost puts in its links (deprecated and ignored by /verify).
LINK_TYPES: dict[TicketKind, str] = {
    TicketKind.VERIFY_EMAIL: "emailVerify",
    TicketKind.PASSWORDLESS_EMAIL: "signinPasswordless",
    TicketKind.PASSWORD_RESET: "passwordReset",
    TicketKind.EMAIL_CONFIRM_CHANGE: "emailConfirmChange",
}
