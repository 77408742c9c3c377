"""Passwordless sign-in with a one-time code sent by SMS."""
