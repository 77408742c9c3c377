"""Hosted HTML pages (strict CSP; no JavaScript but the passkey script, where passkeys are on)."""
