"""Passwordless sign-in with a 6-digit code mailed to the address."""
