"""The OAuth face's wire shapes, named as the Nhost spec's OAuth2* components, and their OpenAPI rendering.

The routes read their parameters by hand (`wire.read_params`, `wire.query_params`: RFC 6749 form bodies,
Auth0's JSON bodies, single-valued strings, RFC errors instead of FastAPI's 422), so these models only
document: request models become `openapi_extra` (query parameters, or a request body in both media types),
response models are `response_model`s of routes that answer a `Response` themselves. An optional member is
absent from the wire, never `null`, and is documented so (`str | Absent`).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from authward.api.nhost.schemas import JWK, StrictModel
from authward.api.oauth.wire import FORM

Absent: TypeAlias = SkipJsonSchema[None]  # an optional member: left out of the answer, never null
TokenTypeHint = Literal["access_token", "refresh_token"]


def _no_null_defaults(schema: dict[str, Any]) -> None:
    for member in schema.get("properties", {}).values():
        if "default" in member and member["default"] is None:
            del member["default"]


class WireModel(BaseModel):
    model_config = ConfigDict(json_schema_extra=_no_null_defaults)


# -- requests (documentation only: the routes parse by hand)


class ClientCredentials(WireModel):
    """RFC 6749 §2.3.1 `client_secret_post`, RFC 7523 `private_key_jwt`, or a public client's id alone;
    `client_secret_basic` is the Authorization header instead."""

    client_id: str | Absent = None
    client_secret: str | Absent = None
    client_assertion_type: Literal["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"] | Absent = None
    client_assertion: str | Absent = None


class OAuth2TokenRequest(ClientCredentials):
    grant_type: Literal["authorization_code", "refresh_token", "client_credentials"]
    code: str | Absent = Field(None, description="authorization_code: the code /authorize gave")
    redirect_uri: str | Absent = Field(None, description="authorization_code: as sent to /authorize")
    code_verifier: str | Absent = Field(None, description="authorization_code: the PKCE verifier (RFC 7636)")
    refresh_token: str | Absent = Field(None, description="refresh_token: the refresh token to rotate")
    scope: str | Absent = Field(None, description="refresh_token: a narrower scope; client_credentials: the API "
                                                  "scopes wanted")
    resource: str | Absent = Field(None, description="client_credentials: the API the token is for (RFC 8707)")
    audience: str | Absent = Field(None, description="client_credentials: the API the token is for (Auth0)")


class OAuth2RevokeRequest(ClientCredentials):
    token: str
    token_type_hint: TokenTypeHint | Absent = None


class OAuth2IntrospectRequest(ClientCredentials):
    token: str
    token_type_hint: TokenTypeHint | Absent = None


class OAuth2AuthorizeRequest(WireModel):
    """RFC 6749 §4.1.1, OIDC Core §3.1.2.1, PKCE (RFC 7636), RFC 8707 `resource` and Auth0's `audience`."""

    client_id: str = Field(description="The OAuth2 client identifier (RFC 6749 Section 2.2).")
    redirect_uri: str | Absent = Field(None, description="Where to send the browser back: one of the client's "
                                                         "registered URIs; may be left out when it has only one.")
    response_type: Literal["code"] = Field(description="Only the authorization code flow.")
    scope: str | Absent = Field(None, description="Space-delimited scopes (RFC 6749 Section 3.3).")
    state: str | Absent = Field(None, description="Returned as is with the answer (RFC 6749 Section 4.1.1).")
    nonce: str | Absent = Field(None, description="Put in the ID token (OpenID Connect Core Section 3.1.2.1).")
    code_challenge: str | Absent = Field(None, description="PKCE challenge (RFC 7636); required of a public client.",
                                         json_schema_extra={"pattern": "^[A-Za-z0-9._~-]{43,128}$"})
    code_challenge_method: Literal["S256"] | Absent = Field(None, description="Only S256 (plain is not allowed).")
    resource: str | Absent = Field(None, description="An API the client may call (RFC 8707).")
    audience: str | Absent = Field(None, description="An API the client may call (Auth0's name for resource).")
    prompt: str | Absent = Field(None, description="Space-delimited: none, login, consent, select_account.")
    max_age: int | Absent = Field(None, description="Seconds: an older login must be made again.",
                                  json_schema_extra={"minimum": 0})
    response_mode: Literal["query"] | Absent = Field(None, description="Only query.")
    login_hint: str | Absent = Field(None, description="Passed to the login page.")
    ui_locales: str | Absent = Field(None, description="Passed to the login page.")


class OAuth2LogoutRequest(WireModel):
    """OpenID Connect RP-Initiated Logout 1.0 §2."""

    id_token_hint: str | Absent = Field(None, description="An ID token we issued (expired or not): the logout "
                                                          "happens at once; without it the user is asked.")
    client_id: str | Absent = None
    post_logout_redirect_uri: str | Absent = Field(None, description="One the client registered.")
    state: str | Absent = Field(None, description="Returned as is to post_logout_redirect_uri.")
    ui_locales: str | Absent = None


class OAuth2UserinfoRequest(WireModel):
    access_token: str | Absent = Field(None, description="RFC 6750 §2.2, if not in the Authorization header.")


class OAuth2LoginRequest(StrictModel):
    requestId: uuid.UUID


# -- responses


class OAuth2ErrorResponse(WireModel):
    error: str = Field(description="OAuth2 error code")
    error_description: str | Absent = Field(None, description="Human-readable error description")


class OAuth2DiscoveryResponse(WireModel):
    """OIDC Discovery 1.0 §3 / RFC 8414 metadata: every member is always present."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    revocation_endpoint: str
    introspection_endpoint: str
    end_session_endpoint: str
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    subject_types_supported: list[str]
    id_token_signing_alg_values_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    token_endpoint_auth_signing_alg_values_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    scopes_supported: list[str]
    claims_supported: list[str]
    prompt_values_supported: list[str]
    ui_locales_supported: list[str]
    claims_parameter_supported: bool
    request_parameter_supported: bool
    request_uri_parameter_supported: bool
    authorization_response_iss_parameter_supported: bool


class OAuth2TokenResponse(WireModel):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str | Absent = None
    id_token: str | Absent = None
    scope: str | Absent = None


class OAuth2UserinfoResponse(WireModel):
    """`sub` and the claims the access token's scopes release (OIDC Core §5.4)."""

    model_config = ConfigDict(extra="allow")
    sub: str
    name: str | Absent = None
    nickname: str | Absent = None
    picture: str | Absent = None
    locale: str | Absent = None
    updated_at: int | Absent = None
    email: str | Absent = None
    email_verified: bool | Absent = None
    phone_number: str | Absent = None
    phone_number_verified: bool | Absent = None


class OAuth2IntrospectResponse(WireModel):
    """RFC 7662 §2.2; an unknown, expired or foreign token is `{"active": false}` alone."""

    active: bool
    token_type: str | Absent = Field(None, description="Bearer (an access token) or refresh_token")
    scope: str | Absent = None
    client_id: str | Absent = None
    sub: str | Absent = None
    exp: int | Absent = None
    iat: int | Absent = None
    iss: str | Absent = None
    aud: str | list[str] | Absent = None
    jti: str | Absent = None
    sid: str | Absent = Field(None, description="The session (refresh-token family) the token belongs to")


class OAuth2JWKSResponse(WireModel):
    keys: list[JWK]


class OAuth2LoginResponse(WireModel):
    model_config = ConfigDict(extra="forbid")
    requestId: uuid.UUID
    clientId: str
    scopes: list[str]
    redirectUri: str
    # authward extensions, for a consent screen
    clientName: str
    logoUrl: str | None
    firstParty: bool


class OAuth2LoginCompleteResponse(WireModel):
    model_config = ConfigDict(extra="forbid")
    redirectUri: str = Field(json_schema_extra={"format": "uri"})


# -- OpenAPI fragments

ERRORS: dict[int | str, dict[str, Any]] = {
    "default": {"model": OAuth2ErrorResponse, "description": "OAuth2 error response (RFC 6749 Section 5.2)"},
}
_ERROR_REF = {"$ref": "#/components/schemas/OAuth2ErrorResponse"}
# A browser endpoint: a redirect, or (nothing to redirect to, RFC 6749 §4.1.2.1) an HTML page.
REDIRECTS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    302: {"description": "Redirect (to the login UI, the client, or the logout page)",
          "headers": {"Location": {"required": True, "schema": {"type": "string", "format": "uri-reference"}}}},
    400: {"description": "The request cannot be sent back anywhere: an HTML page explains (or, for a repeated "
                         "parameter, an OAuth2 error)",
          "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": _ERROR_REF}}},
}
NO_STORE_HEADERS = {
    "Cache-Control": {"required": True, "schema": {"type": "string"}},
    "Pragma": {"required": True, "schema": {"type": "string"}},
}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    assert "$defs" not in schema, f"{model.__name__}: a request model must be flat to be inlined"
    return schema


# What `read_params` makes of a JSON member: text as is, a number or boolean as its text, a list of strings
# space-joined (Auth0's SDKs may send `scope` as a list), null as absent; an object is refused.
_JSON_TEXT: dict[str, Any] = {"anyOf": [
    {"type": ["string", "number", "boolean"]}, {"type": "array", "items": {"type": "string"}},
]}
_CONSTRAINTS = ("enum", "const", "pattern", "minimum", "maximum", "minLength", "maxLength")


def _json_variant(form: dict[str, Any]) -> dict[str, Any]:
    """The JSON body `read_params` accepts for a form schema: unconstrained text members take any scalar or a
    list of strings (constrained ones only a matching string), and null stands for an absent optional member."""
    required = set(form.get("required", []))
    properties: dict[str, Any] = {}
    for name, member in form["properties"].items():
        if member.get("type") == "string" and not any(k in member for k in _CONSTRAINTS):
            widened = {k: v for k, v in member.items() if k != "type"} | _JSON_TEXT
            member = widened if name in required else widened | {"anyOf": [*_JSON_TEXT["anyOf"], {"type": "null"}]}
        elif name not in required:
            member = {k: v for k, v in member.items() if k not in ("type", *_CONSTRAINTS)} | {
                "anyOf": [{k: v for k, v in member.items() if k in ("type", *_CONSTRAINTS)}, {"type": "null"}]}
        properties[name] = member
    return form | {"properties": properties,
                   "additionalProperties": {"anyOf": [*_JSON_TEXT["anyOf"], {"type": "null"}]},
                   "description": "As the form; a member may also be a number or boolean (read as its text), a "
                                  "list of strings (space-joined, as Auth0's SDKs send scope) or null (absent)."}


def request_body(model: type[BaseModel], description: str, *, required: bool = True) -> dict[str, Any]:
    """`openapi_extra` documenting a body `read_params` reads: form-encoded (RFC 6749) or JSON (Auth0).
    Unknown parameters are ignored (RFC 6749 §3.1), but each is single-valued: a repeated one is refused."""
    form = _schema(model) | {"additionalProperties": {"type": "string"}}
    return {"requestBody": {"description": description, "required": required,
                            "content": {FORM: {"schema": form}, "application/json": {"schema": _json_variant(form)}}}}


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting query parameters `query_params` reads (no FastAPI validation)."""
    schema = _schema(model)
    required = set(schema.get("required", []))
    parameters = []
    for name, member in schema["properties"].items():
        member = dict(member)
        description = member.pop("description", None)
        member.pop("title", None)
        parameter = {"name": name, "in": "query", "required": name in required, "schema": member}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return {"parameters": parameters}
