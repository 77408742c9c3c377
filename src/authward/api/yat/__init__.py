"""The Yat-style face: `/auth/token`, `/auth/2fa`, `/auth/token/refresh`, snake_case JSON."""
