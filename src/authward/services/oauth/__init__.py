"""The OAuth 2.0 / OpenID Connect provider's rules: clients, authorization requests and codes, grants,
ID tokens, consents. No FastAPI here: the OAuth face (api/oauth) and the hosted pages call these."""
