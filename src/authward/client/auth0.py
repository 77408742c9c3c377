"""Auth0's Authentication API, for `AuthenticationClient` and `AsyncAuthenticationClient`: flows written once.

Shaped like the auth0 npm SDK's `AuthenticationClient` (the v2 API documented in the seed; v4, shipped
as `auth0/legacy`, on the wire): `database`, `oauth`, `passwordless`, `users` and `mfa` groups,
`token_exchange`, and the seed's top-level names (`password_grant`, `get_profile`, ...). The wire is
node-auth0 v4's: base URL `https://{domain}` (no `/v1`); a form to `/oauth/token`; JSON to
`/oauth/revoke`, `/dbconnections/*`, `/passwordless/start` and `/mfa/challenge`. The client secret, when
one is configured, goes in the body (client_secret_post) of every call but the `/dbconnections` ones and
`/userinfo` (as v4). Errors: RFC 6749's `{error, error_description}` (the OAuthError branch;
`MfaTokenRequired` for `mfa_required`) and the `/dbconnections` `{code, description}` shape.

Nothing is kept between calls: a grant returns its `TokenSet` for the caller to keep.
"""

from __future__ import annotations

from typing import Any, Literal

from authward.client.auth0_application import DEFAULT_CONNECTION, Application, as_application
from authward.client.auth0_grants import (
    MFA_OTP_GRANT,
    MFA_RECOVERY_CODE_GRANT,
    PASSWORD_REALM_GRANT,
    PASSWORDLESS_OTP_GRANT,
    TOKEN_EXCHANGE_GRANT,
    TOKEN_TYPES,
    token_grant,
)
from authward.client.auth0_models import Auth0MfaChallenge, Auth0User
from authward.client.auth0_responses import auth0_error_for, text_answer
from authward.client.core import operation
from authward.client.oauth import Scope, scope_text
from authward.client.oauth_models import TokenSet, UserInfo
from authward.client.request_spec import Flow, RequestSpec, body, send
from authward.client.responses import parse_model
from authward.client.state import ClientState

__all__ = [
    "DEFAULT_CONNECTION",
    "MFA_OTP_GRANT",
    "MFA_RECOVERY_CODE_GRANT",
    "PASSWORDLESS_OTP_GRANT",
    "PASSWORD_REALM_GRANT",
    "TOKEN_EXCHANGE_GRANT",
    "TOKEN_TYPES",
    "Application",
    "AuthenticationApi",
    "DatabaseApi",
    "GrantsApi",
    "MfaApi",
    "PasswordlessApi",
    "UsersApi",
    "auth0_error_for",
]

Send = Literal["code", "link"]


def _json(path: str, fields: dict[str, Any]) -> RequestSpec:
    """A JSON `POST` to an Auth0 route, its errors read in Auth0's shapes."""
    return RequestSpec("POST", path, json=fields, errors=auth0_error_for)


# -- database connections
def sign_up(
    ctx: ClientState,
    email: str,
    password: str,
    connection: str | None = None,
    *,
    username: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    name: str | None = None,
    nickname: str | None = None,
    picture: str | None = None,
    user_metadata: dict[str, str] | None = None,
) -> Flow[Auth0User]:
    """Create a user in the database connection (the client's `connection` unless given): `POST
    /dbconnections/signup`. `Conflict` (`user_exists`) when the address is taken; no tokens."""
    app = as_application(ctx)
    fields = body(email=email, password=password, connection=connection or app.connection, username=username,
                  given_name=given_name, family_name=family_name, name=name, nickname=nickname, picture=picture,
                  user_metadata=user_metadata)
    response = yield from send(_json("/dbconnections/signup", {**app.credentials(secret=False), **fields}))
    return parse_model(response, Auth0User)


def change_password(ctx: ClientState, email: str, connection: str | None = None) -> Flow[str]:
    """Mail a password-reset link (`POST /dbconnections/change_password`): the server's message. The answer
    never tells whether the address is registered."""
    app = as_application(ctx)
    fields = body(email=email, connection=connection or app.connection)
    response = yield from send(_json("/dbconnections/change_password", {**app.credentials(secret=False), **fields}))
    return text_answer(response)


# -- OAuth grants
def password_grant(
    ctx: ClientState,
    username: str,
    password: str,
    realm: str | None = None,
    *,
    audience: str | None = None,
    scope: Scope | None = None,
) -> Flow[TokenSet]:
    """Tokens for a user's email (or username) and password: grant `password`, or with `realm` (a database
    connection's name) `password-realm`. InvalidGrant (403) for wrong credentials, MfaTokenRequired (403)
    when a second factor is due."""
    grant = PASSWORD_REALM_GRANT if realm else "password"
    fields = {"username": username, "password": password, "realm": realm, "audience": audience,
              "scope": scope_text(scope)}
    return (yield from token_grant(ctx, grant, fields))


def refresh_token_grant(ctx: ClientState, refresh_token: str, *, scope: Scope | None = None) -> Flow[TokenSet]:
    """New tokens for a refresh token (keep the rotated one from the answer); `scope` may only narrow.
    InvalidGrant (403) for an unknown, revoked or reused token."""
    return (yield from token_grant(ctx, "refresh_token", {"refresh_token": refresh_token, "scope": scope_text(scope)}))


def client_credentials_grant(ctx: ClientState, audience: str | None = None, *, scope: Scope | None = None
                             ) -> Flow[TokenSet]:
    """A token for the application itself, for the API `audience` (needs the client secret)."""
    if as_application(ctx).client_secret is None:
        raise ValueError("client_credentials_grant needs the client secret (AuthenticationClient(..., client_secret))")
    fields = {"audience": audience, "scope": scope_text(scope)}
    return (yield from token_grant(ctx, "client_credentials", fields))


def revoke_refresh_token(ctx: ClientState, token: str) -> Flow[None]:
    """End a refresh token's session (`POST /oauth/revoke`, JSON); unknown tokens succeed too."""
    app = as_application(ctx)
    yield from send(_json("/oauth/revoke", {"token": token, **app.credentials()}))


# -- passwordless
def _start(ctx: ClientState, fields: dict[str, Any]) -> Flow[None]:
    app = as_application(ctx)
    yield from send(_json("/passwordless/start", {**app.credentials(), **body(**fields)}))


def send_email(
    ctx: ClientState, email: str, send: Send = "link", *, auth_params: dict[str, str] | None = None
) -> Flow[None]:
    """Mail a sign-in link (`send="link"`, Auth0's default) or a one-time code (`send="code"`, for
    `login_with_email`): `POST /passwordless/start`, connection `email`. `auth_params` go into the link."""
    if send not in ("link", "code"):
        raise ValueError(f"send must be 'link' or 'code', not {send!r}")
    return (yield from _start(ctx, {"connection": "email", "email": email, "send": send, "authParams": auth_params}))


def send_sms(ctx: ClientState, phone_number: str) -> Flow[None]:
    """Text a one-time code (for `login_with_sms`): `POST /passwordless/start`, connection `sms`."""
    return (yield from _start(ctx, {"connection": "sms", "phone_number": phone_number}))


def _otp_grant(ctx: ClientState, realm: str, username: str, code: str, audience: str | None, scope: Scope | None
               ) -> Flow[TokenSet]:
    fields = {"username": username, "otp": code, "realm": realm, "audience": audience, "scope": scope_text(scope)}
    return (yield from token_grant(ctx, PASSWORDLESS_OTP_GRANT, fields))


def login_with_email(
    ctx: ClientState, email: str, code: str, *, audience: str | None = None, scope: Scope | None = None
) -> Flow[TokenSet]:
    """Tokens for an emailed code (the passwordless/otp grant, realm `email`); InvalidGrant for a wrong one."""
    return (yield from _otp_grant(ctx, "email", email, code, audience, scope))


def login_with_sms(
    ctx: ClientState, phone_number: str, code: str, *, audience: str | None = None, scope: Scope | None = None
) -> Flow[TokenSet]:
    """Tokens for a texted code (the passwordless/otp grant, realm `sms`); InvalidGrant for a wrong one."""
    return (yield from _otp_grant(ctx, "sms", phone_number, code, audience, scope))


def request_email_code(ctx: ClientState, email: str, auth_params: dict[str, str] | None = None) -> Flow[None]:
    """(v2) `send_email(email, "code")`."""
    return (yield from send_email(ctx, email, "code", auth_params=auth_params))


def request_magic_link(ctx: ClientState, email: str, auth_params: dict[str, str] | None = None) -> Flow[None]:
    """(v2) `send_email(email, "link")`."""
    return (yield from send_email(ctx, email, "link", auth_params=auth_params))


# -- users
def get_info(ctx: ClientState, access_token: str) -> Flow[UserInfo]:
    """The profile of an access token's user (`GET /userinfo`): `sub`, `email`, `name`, ... by its scopes."""
    as_application(ctx)
    spec = RequestSpec("GET", "/userinfo", bearer=access_token, errors=auth0_error_for)
    response = yield from send(spec)
    return parse_model(response, UserInfo)


# -- MFA: completing a grant that answered mfa_required
def mfa_challenge(
    ctx: ClientState, mfa_token: str, challenge_type: str = "otp", *, authenticator_id: str | None = None
) -> Flow[Auth0MfaChallenge]:
    """Ask for a challenge (`POST /mfa/challenge`): `otp` means "answer with the authenticator app's code"
    (`verify_otp`). `challenge_type` may list several, space-separated."""
    app = as_application(ctx)
    fields = body(mfa_token=mfa_token, challenge_type=challenge_type, authenticator_id=authenticator_id)
    response = yield from send(_json("/mfa/challenge", {**fields, **app.credentials()}))
    return parse_model(response, Auth0MfaChallenge)


def verify_otp(ctx: ClientState, mfa_token: str, otp: str) -> Flow[TokenSet]:
    """The tokens the MFA-required grant withheld, for an authenticator code (grant `mfa-otp`)."""
    return (yield from token_grant(ctx, MFA_OTP_GRANT, {"mfa_token": mfa_token, "otp": otp}))


def verify_recovery_code(ctx: ClientState, mfa_token: str, recovery_code: str) -> Flow[TokenSet]:
    """The withheld tokens for a recovery code (grant `mfa-recovery-code`; each code works once). A new
    code, when the server issues one, is `tokens.claim("recovery_code")`."""
    fields: dict[str, str | None] = {"mfa_token": mfa_token, "recovery_code": recovery_code}
    return (yield from token_grant(ctx, MFA_RECOVERY_CODE_GRANT, fields))


# -- token exchange (RFC 8693)
def token_exchange(
    ctx: ClientState,
    subject_token: str,
    subject_token_type: str,
    *,
    audience: str | None = None,
    scope: Scope | None = None,
    requested_token_type: str | None = None,
) -> Flow[TokenSet]:
    """A token for another audience in exchange for one you hold (RFC 8693): `subject_token_type` is a URN
    or its short name (`access_token`, `refresh_token`, `id_token`, `jwt`); scopes can only narrow. The
    answer's `issued_token_type` is `tokens.claim("issued_token_type")`."""
    fields = {
        "subject_token": subject_token, "subject_token_type": TOKEN_TYPES.get(subject_token_type, subject_token_type),
        "audience": audience, "scope": scope_text(scope),
        "requested_token_type": TOKEN_TYPES.get(requested_token_type or "", requested_token_type),
    }
    return (yield from token_grant(ctx, TOKEN_EXCHANGE_GRANT, fields, check_id_token=False))


# -- the method tables, one line per flow, for both clients
class DatabaseApi:
    """`client.database`: the database connection (node-auth0 `database`)."""

    sign_up = operation(sign_up)
    change_password = operation(change_password)


class GrantsApi:
    """`client.oauth`: the token endpoint's grants and revocation (node-auth0 `oauth`)."""

    password_grant = operation(password_grant)
    refresh_token = operation(refresh_token_grant)
    client_credentials_grant = operation(client_credentials_grant)
    revoke_refresh_token = operation(revoke_refresh_token)


class PasswordlessApi:
    """`client.passwordless`: codes and links by email, codes by SMS (node-auth0 `passwordless`)."""

    send_email = operation(send_email)
    send_sms = operation(send_sms)
    login_with_email = operation(login_with_email)
    login_with_sms = operation(login_with_sms)


class UsersApi:
    """`client.users` (node-auth0 v2 `users`)."""

    get_info = operation(get_info)


class MfaApi:
    """`client.mfa`: completing a sign-in that raised MfaTokenRequired (auth0-auth-js `mfa`)."""

    challenge = operation(mfa_challenge)
    verify_otp = operation(verify_otp)
    verify_recovery_code = operation(verify_recovery_code)


class AuthenticationApi:
    """The client itself: `token_exchange`, and the seed's (v2) top-level methods over the same flows."""

    state: ClientState

    @property
    def domain(self) -> str:
        return as_application(self.state).domain

    @property
    def client_id(self) -> str:
        return as_application(self.state).client_id

    @property
    def base_url(self) -> str:
        """`{scheme}://{domain}`."""
        return self.state.base_url

    def __repr__(self) -> str:  # never the secret
        return f"{type(self).__name__}({self.domain!r}, client_id={self.client_id!r}, base_url={self.base_url!r})"

    token_exchange = operation(token_exchange)

    # v2 names (the seed): the same flows. (The alias comes first: after `change_password = ...`, the name
    # means the Operation in this class body.)
    request_change_password_email = operation(change_password)
    change_password = operation(change_password)
    client_credentials_grant = operation(client_credentials_grant)
    password_grant = operation(password_grant)
    refresh_token = operation(refresh_token_grant)
    get_profile = operation(get_info)
    request_email_code = operation(request_email_code)
    request_magic_link = operation(request_magic_link)
    request_sms_code = operation(send_sms)
    verify_sms_code = operation(login_with_sms)
