"""WebAuthn passkeys and security keys: sign-up, sign-in (with or without an email), keys added to an
account, step-up elevation; verification by py_webauthn (docs/webauthn.md)."""
