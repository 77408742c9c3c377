"""One-time recovery codes, usable instead of a TOTP code when the authenticator is lost."""
