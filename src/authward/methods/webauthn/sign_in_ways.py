"""Which ways to sign in a user keeps once a key is gone: removing the last one is refused.

A way to sign in is
- a password;
- another passkey or security key (while WebAuthn is on);
- a verified email address, while magic links or email codes are on;
- a verified phone number, while SMS sign-in is on;
- a social provider link (methods/providers).
A personal access token is not one: it stands in for a session, it does not open one for a person.
"""

from __future__ import annotations

from authward.settings import Settings
from authward.storage.models import User


def ways_to_sign_in(user: User, settings: Settings, keys: int, provider_links: int = 0) -> list[str]:
    """The ways `user` can sign in, given how many WebAuthn keys and provider links it has."""
    ways: list[str] = []
    if user.password_hash:
        ways.append("password")
    if keys > 0 and settings.webauthn.enabled:
        ways.append("webauthn")
    if user.email and user.email_verified and (settings.email.passwordless_enabled or settings.email.otp_enabled):
        ways.append("email")
    if user.phone_number and user.phone_number_verified and settings.sms.passwordless_enabled:
        ways.append("sms")
    if provider_links > 0:
        ways.append("provider")
    return ways
