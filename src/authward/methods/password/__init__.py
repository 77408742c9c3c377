"""Email + password sign-up and sign-in."""
