"""Our `/openapi.json` against the Nhost reference spec, for every operation we implement.

The reference (`tests/contract/nhost-auth-openapi.yaml`, a copy of the Nhost Auth spec) is the wire
contract of the Nhost face. For each path + method we document that the reference also has, we compare:
operationId; query/path parameter names and required set; request body presence, property names, required
set and per-property constraints (type, format, length, pattern, enum), through nested objects; 200 response
property names (nested) or scalar type. Nullability is not compared (FastAPI writes `Optional` as
`anyOf [X, null]`, the reference as `nullable` or not at all, while Nhost itself answers `null` for absent
sessions). Every deliberate difference is on an allow-list below, with its reason.

No database is needed: the document is built by the app without running its lifespan.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from authward.app import create_asgi
from authward.errors import ErrorCode
from tests.support import cheap_settings

REFERENCE_PATH = Path(__file__).resolve().parents[1] / "contract" / "nhost-auth-openapi.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CONSTRAINT_KEYWORDS = ("type", "format", "minLength", "maxLength", "pattern", "enum", "minimum", "maximum")

# The implemented set only grows: the foundation's operations must stay implemented.
FOUNDATION_OPERATIONS = frozenset({
    "signUpEmailPassword", "signInEmailPassword", "refreshToken", "signOut", "getUser", "getJWKs",
    "verifyToken", "healthCheckGet", "healthCheckHead", "getVersion",
})

# The rest of the spec's Nhost REST operations (issue 16, parts 4 and 5): PKCE exchange, phone numbers.
NHOST_REST_OPERATIONS = frozenset({
    ("POST", "/token/exchange"), ("POST", "/user/phone-number/change"), ("POST", "/user/phone-number/change/verify"),
    ("POST", "/user/deanonymize/sms"),
})

# (METHOD, path) we document that the reference lacks -> why it exists. Add new faces' routes here.
EXTENSION_OPERATIONS: dict[tuple[str, str], str] = {
    ("GET", "/pat"): "list the caller's personal access tokens (never their values); docs/pat.md",
    ("DELETE", "/pat/{pat_id}"): "revoke a personal access token; the spec has no way to; docs/pat.md",
    ("GET", "/user/mfa"): "MFA status: balena's is_enabled/is_passed, elevation, recovery codes left; docs/2fa.md",
    ("POST", "/user/mfa/disable"): "balena's two_factor.disable(password); docs/2fa.md",
    ("POST", "/user/mfa/recovery-codes"): "replace the recovery codes (a TOTP code confirms); docs/2fa.md",
    ("POST", "/elevate/totp"): "step-up with a TOTP code, as Nhost's open PR #4612 (body {otp}); docs/2fa.md",
    ("POST", "/auth/token"): "Yat-style password login (snake_case face); docs/2fa.md",
    ("POST", "/auth/2fa"): "Yat-style second-factor completion; docs/2fa.md",
    ("POST", "/auth/token/refresh"): "Yat-style refresh; docs/2fa.md",
    ("POST", "/auth/magic_link"): "Yat-style magic-link request (snake_case face); docs/2fa.md",
    ("GET", "/authorize"): "the standard path of the authorization endpoint (the spec's /oauth2/authorize too)",
    ("POST", "/authorize"): "the standard path of the authorization endpoint, POST form",
    ("POST", "/oauth/token"): "the standard (Auth0) path of the token endpoint (the spec's /oauth2/token too)",
    ("POST", "/oauth/revoke"): "the standard (Auth0) path of RFC 7009 revocation",
    ("POST", "/oauth/introspect"): "the standard path of RFC 7662 introspection",
    ("GET", "/userinfo"): "the standard (Auth0) path of OIDC userinfo",
    ("POST", "/userinfo"): "the standard path of OIDC userinfo, POST",
    ("GET", "/oidc/logout"): "OIDC RP-initiated logout (end_session_endpoint); docs/oauth.md",
    ("POST", "/oidc/logout"): "OIDC RP-initiated logout, POST form",
    ("POST", "/dbconnections/signup"): "Auth0's database sign-up (the auth0 SDKs); docs/auth0.md",
    ("POST", "/dbconnections/change_password"): "Auth0's reset-mail request; docs/auth0.md",
    ("POST", "/passwordless/start"): "Auth0's passwordless start (email code or link, SMS code); docs/auth0.md",
    ("POST", "/passwordless/verify"): "Auth0's passwordless verify; docs/auth0.md",
    ("POST", "/mfa/challenge"): "Auth0's MFA API: challenge for an mfa_token; docs/auth0.md",
    ("POST", "/mfa/associate"): "Auth0's MFA API: enrol an authenticator (one OTP per user here); docs/auth0.md",
    ("GET", "/mfa/authenticators"): "Auth0's MFA API: the user's authenticators; docs/auth0.md",
    ("DELETE", "/mfa/authenticators/{authenticator_id}"): "Auth0's MFA API: remove the OTP authenticator",
    ("POST", "/oauth/ro"): "Auth0 v2's deprecated resource-owner endpoint (--legacy-endpoints clients only)",
    ("POST", "/delegation"): "Auth0 v2's deprecated delegation (--legacy-endpoints clients only)",
    ("POST", "/tokeninfo"): "Auth0 v2's deprecated tokeninfo (--legacy-endpoints clients only)",
    ("GET", "/v2/logout"): "Auth0's logout to an allowed logout URL; docs/auth0.md",
    ("POST", "/signin/mfa/webauthn"): "a key as the second factor of a pending sign-in (options); docs/webauthn.md",
    ("POST", "/signin/mfa/webauthn/verify"): "a key as the second factor of a pending sign-in; docs/webauthn.md",
    ("GET", "/user/webauthn"): "list the caller's passkeys and security keys (public data only); docs/webauthn.md",
    ("PATCH", "/user/webauthn/{key_id}"): "rename a passkey (its nickname); the spec has no way to; docs/webauthn.md",
    ("DELETE", "/user"): "self-service account deletion (GDPR art. 17), recently authenticated; docs/admin.md",
    ("GET", "/user/export"): "self-service download of one's data (GDPR art. 15, 20), no secrets; docs/admin.md",
    ("DELETE", "/user/webauthn/{key_id}"):
        "remove a passkey, refused when it is the last way to sign in; the spec has no way to; docs/webauthn.md",
    ("GET", "/readyz"): "readiness: database, Redis and schema revision answer; docs/production.md",
    ("GET", "/user/providers"): "list the caller's provider links (social sign-in identities); docs/social.md",
    ("DELETE", "/user/providers/{link_id}"):
        "unlink a provider, refused when it is the last way to sign in; the spec has no way to; docs/social.md",
}

# Path prefixes of whole faces the reference does not describe -> why they exist.
EXTENSION_PREFIXES: dict[str, str] = {
    "/admin/": "the admin face: users, audit log, signing keys, OAuth clients; docs/admin.md",
}


def is_extension(method: str, path: str) -> bool:
    return (method, path) in EXTENSION_OPERATIONS or any(path.startswith(p) for p in EXTENSION_PREFIXES)


# (where, keyword) -> reason. `where` is "<Component>.<property path>" for component schemas of the reference,
# "<operationId>.<request|200>.<property path>" for inline ones; keyword is a constraint or "property"/"required".
DELIBERATE_DIFFERENCES: dict[tuple[str, str], str] = {
    ("SignUpEmailPasswordRequest.password", "maxLength"):
        "we accept passwords up to password_max_length (4096 in the schema): 64+ characters are taken whole, "
        "never truncated (ASVS 6.2.9); the spec's 50 would reject passphrases",
    ("SignInEmailPasswordRequest.password", "maxLength"): "as sign-up: long passphrases must be able to sign in",
    ("UserPasswordRequest.newPassword", "maxLength"): "as sign-up: a new password of 64+ characters is taken whole",
    ("UserPasswordRequest.newPassword", "minLength"):
        "as sign-up: password_min_length is enforced in code so a short password answers `password-too-short`",
    ("SignUpEmailPasswordRequest.password", "minLength"):
        "minimum length is a setting (password_min_length, default 12) enforced in code so a short password "
        "answers the spec's `password-too-short`, not a schema `invalid-request`",
    ("SignInEmailPasswordRequest.password", "minLength"):
        "sign-in must not reveal the policy: any wrong password answers `invalid-email-password`",
    ("SignUpEmailPasswordRequest.email", "maxLength"): "RFC 5321 bound (320) to refuse absurd inputs early",
    ("SignInEmailPasswordRequest.email", "maxLength"): "RFC 5321 bound (320) to refuse absurd inputs early",
    ("SignUpEmailPasswordRequest.codeChallenge", "minLength"): "implied by our pattern ^[A-Za-z0-9_-]{43}$",
    ("SignUpEmailPasswordRequest.codeChallenge", "maxLength"): "implied by our pattern ^[A-Za-z0-9_-]{43}$",
    ("SignUpOptions.displayName", "pattern"):
        "the spec's \\p{L}\\p{N}\\p{S} classes are not portable JSON-Schema regex (Python's re lacks them); "
        "the same rule is enforced in code (services.users.valid_display_name) with `invalid-request`",
    ("SignUpOptions.redirectTo", "format"):
        "checked in code against allowed_redirect_urls (`redirectTo-not-allowed`), bounded by maxLength instead",
    ("SignUpOptions.redirectTo", "maxLength"): "a bound on an attacker-controlled URL (2048, as browsers)",
    ("RefreshTokenRequest.refreshToken", "pattern"):
        "our refresh tokens are 256-bit random strings, not UUIDs (Nhost's are UUIDs); a UUID pattern would "
        "reject every token we issue",
    ("RefreshTokenRequest.refreshToken", "minLength"): "bounds on an opaque token instead of the UUID pattern",
    ("RefreshTokenRequest.refreshToken", "maxLength"): "bounds on an opaque token instead of the UUID pattern",
    ("SignOutRequest.refreshToken", "maxLength"): "bound on an opaque token",
    ("VerifyTokenRequest.token", "maxLength"): "bound on a JWT (8 KiB) to refuse absurd inputs early",
    ("UserDeanonymizeRequest.password", "maxLength"): "as sign-up: long passphrases are accepted whole",
    ("TokenExchangeRequest.code", "maxLength"): "a bound on an opaque code (ours are `pkceCode:` + 43 characters)",
    ("TotpGenerateResponse.recoveryCodes", "property"):
        "authward extension: the recovery codes that become valid on activation, shown once; docs/2fa.md",
    ("SignInMfaTotpRequest.otp", "maxLength"): "bound on a code (a recovery code typed with spaces fits in 64)",
    ("SignInMfaTotpRequest.ticket", "maxLength"): "bound on a ticket (`mfaTotp:` + a UUID)",
    ("UserMfaRequest.code", "maxLength"): "bound on a code (a recovery code typed with spaces fits in 64)",
    ("SignUpWebauthnVerifyRequest.nickname", "maxLength"): "a bound on a key's nickname (100), shown in key lists",
    ("VerifyAddSecurityKeyRequest.nickname", "maxLength"): "a bound on a key's nickname (100), shown in key lists",
    ("UserDeanonymizeRequest.password", "minLength"):
        "as sign-up: the length policy is enforced in code so a short password answers `password-too-short`",
    ("IdTokenProvider", "enum"):
        "generic OIDC providers, named by the operator, sign in with ID tokens too (docs/social.md); a pattern "
        "on the name instead of the spec's [apple, google]",
    ("IdTokenProvider", "pattern"): "the provider's name: lower-case letters and digits (docs/social.md)",
    ("SignInIdTokenRequest.idToken", "maxLength"): "a bound on a JWT (16 KiB) to refuse absurd inputs early",
    ("SignUpIdTokenRequest.idToken", "maxLength"): "a bound on a JWT (16 KiB) to refuse absurd inputs early",
    ("LinkIdTokenRequest.idToken", "maxLength"): "a bound on a JWT (16 KiB) to refuse absurd inputs early",
    ("SignInIdTokenRequest.nonce", "maxLength"): "a bound on a nonce (512)",
    ("SignUpIdTokenRequest.nonce", "maxLength"): "a bound on a nonce (512)",
    ("LinkIdTokenRequest.nonce", "maxLength"): "a bound on a nonce (512)",
    ("RefreshProviderTokenRequest.refreshToken", "maxLength"): "bounds on a provider's opaque token",
    ("RefreshProviderTokenRequest.refreshToken", "minLength"): "bounds on a provider's opaque token",
    # The OAuth face (api/oauth/schemas.py): discovery advertises what is implemented, no more, no less.
    ("OAuth2DiscoveryResponse.client_id_metadata_document_supported", "property"):
        "not implemented (client ID metadata documents, an IETF draft): not advertised",
    ("OAuth2DiscoveryResponse.end_session_endpoint", "property"): "RP-initiated logout is implemented (/oidc/logout)",
    ("OAuth2DiscoveryResponse.response_modes_supported", "property"): "OIDC Discovery metadata: [query]",
    ("OAuth2DiscoveryResponse.token_endpoint_auth_signing_alg_values_supported", "property"):
        "private_key_jwt client authentication is implemented: its algorithms (OIDC Discovery requires them)",
    ("OAuth2DiscoveryResponse.revocation_endpoint_auth_methods_supported", "property"):
        "RFC 8414 metadata: how clients authenticate at /oauth/revoke",
    ("OAuth2DiscoveryResponse.introspection_endpoint_auth_methods_supported", "property"):
        "RFC 8414 metadata: introspection needs a confidential client (no `none`)",
    ("OAuth2DiscoveryResponse.prompt_values_supported", "property"): "OIDC metadata: the prompt values honoured",
    ("OAuth2DiscoveryResponse.ui_locales_supported", "property"): "the hosted pages' locales (allowed_locales)",
    ("OAuth2DiscoveryResponse.claims_parameter_supported", "property"):
        "says false explicitly (the OIDC default is false too): the claims parameter is not implemented",
    ("OAuth2DiscoveryResponse.request_uri_parameter_supported", "property"):
        "says false explicitly (the OIDC default is true): request_uri is refused with request_uri_not_supported",
    ("oauth2Authorize", "parameters"):
        "we also read OIDC's response_mode, max_age, login_hint, ui_locales and Auth0's audience; redirect_uri may be "
        "left out when the client registered exactly one (RFC 6749 §3.1.2.3)",
    ("oauth2AuthorizePost.request", "content"): "the body may be JSON too (Auth0's SDKs send JSON), as form",
    ("oauth2Token.request", "content"): "the body may be JSON too (Auth0's SDKs send JSON), as form",
    ("oauth2Revoke.request", "content"): "the body may be JSON too (Auth0's SDKs send JSON), as form",
    ("oauth2Introspect.request", "content"): "the body may be JSON too (Auth0's SDKs send JSON), as form",
    ("oauth2UserinfoPost.request", "requestBody"):
        "an optional body: RFC 6750 §2.2's form-encoded access_token, when not in the Authorization header",
    ("OAuth2UserinfoResponse.nickname", "property"): "a standard claim of the profile scope (OIDC Core §5.4)",
    ("OAuth2UserinfoResponse.updated_at", "property"): "a standard claim of the profile scope (OIDC Core §5.4)",
    ("OAuth2IntrospectResponse.aud", "property"): "RFC 7662 §2.2 member: the access token's audience",
    ("OAuth2IntrospectResponse.jti", "property"): "RFC 7662 §2.2 member: the access token's id",
    ("OAuth2IntrospectResponse.sid", "property"): "the session (refresh-token family) the token belongs to",
    ("OAuth2LoginResponse.clientName", "property"): "authward extension for a consent screen: the client's name",
    ("OAuth2LoginResponse.logoUrl", "property"): "authward extension for a consent screen: the client's logo (or null)",
    ("OAuth2LoginResponse.firstParty", "property"):
        "authward extension for a consent screen: a first-party client needs no consent",
}

# Error codes we answer that the reference's ErrorResponse enum lacks -> why.
EXTRA_ERROR_CODES: dict[str, str] = {
    "email-already-in-use": "what nhost-js v4 (the seed) and older Nhost answer for a duplicate sign-up; the seed wins",
    "unauthenticated-user": "a missing/invalid bearer token; Nhost answers a validator-shaped 401 we do not copy",
    "elevated-claim-required": "an elevated session is needed; Nhost's shape is validator-specific",
    "payload-too-large": "request body over max_body_bytes (413); Nhost has no body limit code",
    "too-many-requests": "rate limit (429); Nhost answers a bare 429 without a body",
    "not-found": "a route that exists, asked for a thing that does not (404), e.g. an unknown PAT id",
    "route-not-found": "no such route (404) in the same {status, error, message} shape",
    "method-not-allowed": "wrong method on a known route (405) in the same shape",
    "forbidden": "authenticated but not allowed (403): an admin route with a token lacking the admin role",
    "invalid-captcha": "a captcha token missing or refused (400) when AUTHWARD_CAPTCHA_PROVIDER is set; Nhost has none",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    return yaml.safe_load(REFERENCE_PATH.read_text())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`GET /openapi.json` from the app as served (root face documented; /v1 is the same routes)."""
    data_dir = tmp_path_factory.mktemp("openapi")
    settings = cheap_settings(data_dir, f"sqlite:///{data_dir / 'unused.db'}")
    transport = httpx.ASGITransport(app=create_asgi(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return response.json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def implemented(ours: dict[str, Any], reference: dict[str, Any]) -> list[tuple[str, str]]:
    ref_ops = {(m, p) for m, p, _ in operations(reference)}
    return sorted((m, p) for m, p, _ in operations(ours) if (m, p) in ref_ops)


class Resolver:
    """Follows local `$ref`s, remembering the reference's component name for allow-list keys."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        name = None
        while "$ref" in schema:
            ref = schema["$ref"]
            assert ref.startswith("#/"), f"non-local $ref {ref}"
            name = ref.rsplit("/", 1)[-1]
            node: Any = self.document
            for part in ref[2:].split("/"):
                node = node[part]
            schema = node
        return schema, name

    def unwrap(self, schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """Resolve refs and drop a `null` branch of anyOf/oneOf (nullability is not compared)."""
        schema, name = self.resolve(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                branches = [b for b in schema[key] if b.get("type") != "null"]
                if len(branches) == 1:
                    inner, inner_name = self.unwrap(branches[0])
                    merged = {k: v for k, v in schema.items() if k != key} | inner
                    return merged, inner_name or name
        return schema, name


def constraints(schema: dict[str, Any]) -> dict[str, Any]:
    found = {k: schema[k] for k in CONSTRAINT_KEYWORDS if k in schema}
    if "const" in schema:
        found["enum"] = [schema["const"]]
    if found.get("type") == "array" and isinstance(schema.get("items"), dict):
        found["items.type"] = schema["items"].get("type")
    return found


def compare_schemas(ours: Resolver, ref: Resolver, our_schema: dict[str, Any], ref_schema: dict[str, Any],
                    where: str, *, check_constraints: bool, check_required: bool, depth: int = 0) -> list[tuple[str, str, str]]:
    """Differences as (where, keyword, detail); recursive through object properties."""
    diffs: list[tuple[str, str, str]] = []
    a, _ = ours.unwrap(our_schema)
    b, ref_name = ref.unwrap(ref_schema)
    if ref_name is not None:
        where = ref_name
    b_is_object = b.get("type") == "object" or "properties" in b
    if b_is_object and b.get("properties"):
        a_props, b_props = a.get("properties", {}), b["properties"]
        for name in sorted(set(a_props) ^ set(b_props)):
            side = "only ours" if name in a_props else "only the reference"
            diffs.append((f"{where}.{name}", "property", side))
        if check_required and set(a.get("required", [])) != set(b.get("required", [])):
            diffs.append((where, "required", f"ours {sorted(a.get('required', []))} != "
                                             f"reference {sorted(b.get('required', []))}"))
        if depth < 6:
            for name in sorted(set(a_props) & set(b_props)):
                diffs += compare_schemas(ours, ref, a_props[name], b_props[name], f"{where}.{name}",
                                         check_constraints=check_constraints, check_required=check_required,
                                         depth=depth + 1)
        return diffs
    if b.get("type") == "array" and isinstance(b.get("items"), dict) and isinstance(a.get("items"), dict):
        diffs += compare_schemas(ours, ref, a["items"], b["items"], f"{where}[]", check_constraints=check_constraints,
                                 check_required=check_required, depth=depth + 1)
    if check_constraints:
        ca, cb = constraints(a), constraints(b)
        for key in sorted(set(ca) | set(cb)):
            if ca.get(key) != cb.get(key):
                diffs.append((where, key, f"ours {ca.get(key)!r} != reference {cb.get(key)!r}"))
    elif "type" in b and a.get("type") != b.get("type"):
        diffs.append((where, "type", f"ours {a.get('type')!r} != reference {b.get('type')!r}"))
    return diffs


def json_schema_of(container: dict[str, Any] | None) -> dict[str, Any] | None:
    if not container:
        return None
    content = container.get("content", {})
    media = content.get("application/json")
    return media.get("schema") if media else None


def operation_differences(ours: dict[str, Any], reference: dict[str, Any], method: str,
                          path: str) -> list[tuple[str, str, str]]:
    our_op = ours["paths"][path][method.lower()]
    ref_op = reference["paths"][path][method.lower()]
    op_id = ref_op["operationId"]
    our_res, ref_res = Resolver(ours), Resolver(reference)
    diffs: list[tuple[str, str, str]] = []
    if our_op.get("operationId") != op_id:
        diffs.append((op_id, "operationId", f"ours {our_op.get('operationId')!r}"))

    def params(op: dict[str, Any], doc: Resolver) -> dict[tuple[str, str], bool]:
        found = {}
        for raw in op.get("parameters", []):
            param, _ = doc.resolve(raw)
            if param["in"] in ("query", "path"):
                found[(param["in"], param["name"])] = bool(param.get("required", False))
        return found

    if params(our_op, our_res) != params(ref_op, ref_res):
        diffs.append((op_id, "parameters", f"ours {params(our_op, our_res)} != reference {params(ref_op, ref_res)}"))

    our_body, ref_body = our_op.get("requestBody"), ref_op.get("requestBody")
    if (our_body is None) != (ref_body is None):
        diffs.append((f"{op_id}.request", "requestBody", "present on one side only"))
    elif ref_body is not None:
        if bool(our_body.get("required")) != bool(ref_body.get("required")):
            diffs.append((f"{op_id}.request", "requestBody.required", f"ours {our_body.get('required')}"))
        a, b = json_schema_of(our_body), json_schema_of(ref_body)
        if (a is None) != (b is None):
            diffs.append((f"{op_id}.request", "content", "application/json on one side only"))
        elif a is not None and b is not None:
            diffs += compare_schemas(our_res, ref_res, a, b, f"{op_id}.request", check_constraints=True,
                                     check_required=True)

    a, b = json_schema_of(our_op["responses"].get("200")), json_schema_of(ref_op["responses"].get("200"))
    if b is not None:
        if a is None:
            diffs.append((f"{op_id}.200", "content", "we document no application/json 200 response"))
        else:
            diffs += compare_schemas(our_res, ref_res, a, b, f"{op_id}.200", check_constraints=False,
                                     check_required=False)
    return diffs


def test_implements_at_least_the_foundation(ours: dict[str, Any], reference: dict[str, Any]) -> None:
    ids = {reference["paths"][p][m.lower()]["operationId"] for m, p in implemented(ours, reference)}
    assert FOUNDATION_OPERATIONS <= ids, f"no longer implemented: {sorted(FOUNDATION_OPERATIONS - ids)}"


def test_serves_every_operation_of_the_spec(ours: dict[str, Any], reference: dict[str, Any]) -> None:
    """Every operation of nhost-auth-openapi.yaml is a route of ours, with the spec's operationId."""
    spec = {(m, p) for m, p, _ in operations(reference)}
    served = set(implemented(ours, reference))
    assert served == spec, f"not served: {sorted(spec - served)}"
    for method, path in spec:
        assert ours["paths"][path][method.lower()]["operationId"] == \
            reference["paths"][path][method.lower()]["operationId"], (method, path)


def test_serves_the_pkce_exchange_and_the_phone_number_operations(
    ours: dict[str, Any], reference: dict[str, Any]
) -> None:
    served = set(implemented(ours, reference))
    assert served >= NHOST_REST_OPERATIONS, f"not served: {sorted(NHOST_REST_OPERATIONS - served)}"
    # and as the spec names them (nhost-js's method names are the operationIds)
    ids = {reference["paths"][p][m.lower()]["operationId"] for m, p in NHOST_REST_OPERATIONS}
    assert ids == {"tokenExchange", "changeUserPhoneNumber", "verifyChangeUserPhoneNumber", "deanonymizeUserSms"}
    assert {ours["paths"][p][m.lower()]["operationId"] for m, p in NHOST_REST_OPERATIONS} == ids


def test_every_documented_operation_is_in_the_reference_or_an_extension(
    ours: dict[str, Any], reference: dict[str, Any]
) -> None:
    ref_ops = {(m, p) for m, p, _ in operations(reference)}
    unexplained = sorted((m, p) for m, p, _ in operations(ours) if (m, p) not in ref_ops
                         and not is_extension(m, p))
    assert not unexplained, f"documented but neither in the reference nor in EXTENSION_OPERATIONS: {unexplained}"
    stale = sorted(k for k in EXTENSION_OPERATIONS if k not in {(m, p) for m, p, _ in operations(ours)})
    assert not stale, f"EXTENSION_OPERATIONS lists operations we no longer document: {stale}"


def test_operations_match_the_reference(ours: dict[str, Any], reference: dict[str, Any]) -> None:
    unexplained: list[str] = []
    used: set[tuple[str, str]] = set()
    for method, path in implemented(ours, reference):
        for where, keyword, detail in operation_differences(ours, reference, method, path):
            if (where, keyword) in DELIBERATE_DIFFERENCES:
                used.add((where, keyword))
            else:
                unexplained.append(f"{method} {path}: {where} {keyword}: {detail}")
    assert not unexplained, "differences from the reference spec:\n" + "\n".join(unexplained)
    stale = sorted(set(DELIBERATE_DIFFERENCES) - used)
    assert not stale, f"DELIBERATE_DIFFERENCES entries that no longer differ (remove them): {stale}"


def test_error_codes_cover_the_reference_enum(reference: dict[str, Any]) -> None:
    spec_codes = set(reference["components"]["schemas"]["ErrorResponse"]["properties"]["error"]["enum"])
    our_codes = {code.value for code in ErrorCode}
    assert spec_codes <= our_codes, f"reference codes we lack: {sorted(spec_codes - our_codes)}"
    assert our_codes - spec_codes == set(EXTRA_ERROR_CODES), (
        f"undocumented extra codes: {sorted(our_codes - spec_codes - set(EXTRA_ERROR_CODES))}; "
        f"listed but gone: {sorted(set(EXTRA_ERROR_CODES) - our_codes)}"
    )


def test_the_comparison_catches_a_difference(ours: dict[str, Any], reference: dict[str, Any]) -> None:
    """Guards the checker itself: a renamed property and a changed operationId are reported."""
    import copy

    broken = copy.deepcopy(ours)
    schemas = broken["components"]["schemas"]
    schemas["User"]["properties"]["display_name"] = schemas["User"]["properties"].pop("displayName")
    schemas["SignInEmailPasswordRequest"]["required"] = ["email"]
    broken["paths"]["/token"]["post"]["operationId"] = "refresh"
    found = {(w, k) for w, k, _ in operation_differences(broken, reference, "GET", "/user")}
    assert ("User.displayName", "property") in found and ("User.display_name", "property") in found
    found = {(w, k) for w, k, _ in operation_differences(broken, reference, "POST", "/signin/email-password")}
    assert ("SignInEmailPasswordRequest", "required") in found
    found = {(w, k) for w, k, _ in operation_differences(broken, reference, "POST", "/token")}
    assert ("refreshToken", "operationId") in found


def test_links_join_operations_the_document_has(ours: dict[str, Any]) -> None:
    """The OpenAPI links (api/openapi_links.py) that clients and schemathesis' state machine follow."""
    ids = {op["operationId"] for _, _, op in operations(ours)}
    links = {(op["operationId"], name): link for _, _, op in operations(ours)
             for name, link in op["responses"].get("200", {}).get("links", {}).items()}
    assert all(link["operationId"] in ids for link in links.values())
    assert links[("signUpEmailPassword", "RefreshToken")]["requestBody"] == {
        "refreshToken": "$response.body#/session/refreshToken"}
    assert links[("refreshToken", "GetUser")]["parameters"] == {
        "header.Authorization": "Bearer {$response.body#/accessToken}"}
    assert links[("createPAT", "SignInPAT")]["requestBody"] == {
        "personalAccessToken": "$response.body#/personalAccessToken"}
    assert links[("adminCreateUser", "AdminGetUser")]["parameters"] == {"path.user_id": "$response.body#/id"}
