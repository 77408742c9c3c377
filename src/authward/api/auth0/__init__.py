"""Auth0's Authentication API: the face the `auth0` SDKs talk to (docs/auth0.md)."""
