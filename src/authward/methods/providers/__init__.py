"""Social sign-in providers (docs/social.md)."""
