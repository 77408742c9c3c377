"""The OAuth 2.0 / OpenID Connect face: discovery, /authorize, /oauth/token, /userinfo, revocation,
introspection, logout, and Nhost's /oauth2/* paths for the same endpoints. Errors are RFC 6749's."""
