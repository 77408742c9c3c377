"""PKCE (`codeChallenge`) on the email routes: not supported yet, and said so.

With a `codeChallenge`, Nhost's `/verify` redirect carries an authorization code for
`POST /token/exchange` instead of a refresh token. Until that exchange exists here, a client that
sends one is told plainly rather than handed a refresh token it did not ask for.
"""

from __future__ import annotations

from authward.errors import AuthError, ErrorCode


def refuse_code_challenge(code_challenge: str | None) -> None:
    if code_challenge is not None:
        raise AuthError(ErrorCode.INVALID_REQUEST, "codeChallenge (PKCE) is not supported yet by this server; "
                                                   "omit it to get a refresh token in the /verify redirect")
