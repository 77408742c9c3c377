"""TOTP (RFC 6238) as a second factor: enrolment, sign-in challenge, step-up elevation."""
