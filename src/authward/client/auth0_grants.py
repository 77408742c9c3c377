"""Auth0's token endpoint: its grant types, and the one `POST /oauth/token` request every grant makes."""

from __future__ import annotations

from authward.client.auth0_application import Application, as_application
from authward.client.auth0_responses import auth0_error_for
from authward.client.errors import InvalidToken
from authward.client.oauth import verify_id_token
from authward.client.oauth_models import TokenSet
from authward.client.request_spec import Flow, RequestSpec, body, send
from authward.client.responses import parse_model
from authward.client.state import ClientState

__all__ = [
    "MFA_OTP_GRANT",
    "MFA_RECOVERY_CODE_GRANT",
    "PASSWORDLESS_OTP_GRANT",
    "PASSWORD_REALM_GRANT",
    "TOKEN_EXCHANGE_GRANT",
    "TOKEN_PATH",
    "TOKEN_TYPES",
    "token_grant",
]

PASSWORD_REALM_GRANT = "http://auth0.com/oauth/grant-type/password-realm"  # noqa: S105 - a grant type
PASSWORDLESS_OTP_GRANT = "http://auth0.com/oauth/grant-type/passwordless/otp"
MFA_OTP_GRANT = "http://auth0.com/oauth/grant-type/mfa-otp"
MFA_RECOVERY_CODE_GRANT = "http://auth0.com/oauth/grant-type/mfa-recovery-code"
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type
# RFC 8693 §3: the short names `token_exchange` accepts for a subject_token_type / requested_token_type.
TOKEN_TYPES = {
    "access_token": "urn:ietf:params:oauth:token-type:access_token",
    "refresh_token": "urn:ietf:params:oauth:token-type:refresh_token",
    "id_token": "urn:ietf:params:oauth:token-type:id_token",
    "jwt": "urn:ietf:params:oauth:token-type:jwt",
}
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path


def _id_token_checked(ctx: ClientState, app: Application, id_token: str) -> Flow[None]:
    """node-auth0's checks of a grant's ID token: signature (the JWKS), iss, aud, exp, azp, and no nonce
    (these grants never send one)."""
    claims = yield from verify_id_token(ctx, id_token, app.client_id)
    if claims.nonce is not None:
        raise InvalidToken(401, "invalid-token", "The ID token carries a nonce, but this request sent none")


def token_grant(ctx: ClientState, grant_type: str, fields: dict[str, str | None], *, check_id_token: bool = True
                ) -> Flow[TokenSet]:
    """`POST /oauth/token`, form-encoded, client credentials in the form."""
    app = as_application(ctx)
    form = {"grant_type": grant_type, **body(**fields), **app.credentials()}
    response = yield from send(RequestSpec("POST", TOKEN_PATH, form=form, errors=auth0_error_for))
    tokens = parse_model(response, TokenSet)
    if check_id_token and app.verify_id_tokens and tokens.id_token:
        yield from _id_token_checked(ctx, app, tokens.id_token)
    return tokens
