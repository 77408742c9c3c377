"""Passwordless sign-in with a link mailed to the address (Nhost's "magic link")."""
