"""The OAuth 2.0 / OIDC face in process, on SQLite and PostgreSQL: the code flow through Nhost's login
contract, the grants, and the refusals RFC 6749, 7636, 7009, 7662 and OIDC Core ask for."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from authward.services.oauth.browser_sessions import COOKIE_NAME
from authward.services.oauth.clients import ClientRegistry, ClientSpec
from tests.integration.helpers import session_for

REDIRECT = "https://app.example.com/callback"
API = "https://api.example.com"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Registered:
    client_id: str
    secret: str | None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(make_client: Any, clock: Clock) -> httpx.AsyncClient:
    return await make_client(clock=clock, email_verification_required=False)


async def register(api: httpx.AsyncClient, **fields: Any) -> Registered:
    spec = ClientSpec(name=fields.pop("name", "Example app"), redirect_uris=[REDIRECT],
                      grant_types=["authorization_code", "refresh_token", "client_credentials"], audiences=[API],
                      scopes=["openid", "profile", "email", "phone", "read:things"])
    for name, value in fields.items():
        setattr(spec, name, value)
    if spec.public:
        spec.grant_types = [g for g in spec.grant_types if g != "client_credentials"]
    created = await api.runtime.get(ClientRegistry).create(spec)  # type: ignore[attr-defined]
    return Registered(created.client.client_id, created.secret)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def auth_params(client: Registered, **extra: str) -> dict[str, str]:
    return {"client_id": client.client_id, "redirect_uri": REDIRECT, "response_type": "code",
            "scope": "openid profile email", "state": "st-1", **extra}


async def authorize_with_bearer(api: httpx.AsyncClient, client: Registered, session: dict[str, Any],
                                **extra: str) -> dict[str, str]:
    """/authorize → the login UI's request_id → Nhost's POST /oauth2/login → the client's redirect query."""
    started = await api.get("/oauth2/authorize", params=auth_params(client, **extra))
    assert started.status_code == 302, started.text
    request_id = query_of(started.headers["location"])["request_id"]
    done = await api.post("/oauth2/login", json={"requestId": request_id},
                          headers={"authorization": f"Bearer {session['accessToken']}"})
    assert done.status_code == 200, done.text
    return query_of(done.json()["redirectUri"])


async def code_tokens(api: httpx.AsyncClient, client: Registered, session: dict[str, Any]) -> dict[str, Any]:
    verifier, challenge = pkce()
    answer = await authorize_with_bearer(api, client, session, code_challenge=challenge, code_challenge_method="S256",
                                         nonce="n-1")
    response = await api.post("/oauth/token", data={"grant_type": "authorization_code", "code": answer["code"],
                                                    "redirect_uri": REDIRECT, "code_verifier": verifier},
                              auth=(client.client_id, client.secret or ""))
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def oauth_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["error"] == error
    return body


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


# -- the happy path
async def test_code_flow_gives_verified_tokens_userinfo_and_a_rotating_refresh(api: httpx.AsyncClient) -> None:
    client = await register(api)
    session = await session_for(api)
    verifier, challenge = pkce()
    answer = await authorize_with_bearer(api, client, session, code_challenge=challenge, code_challenge_method="S256",
                                         nonce="n-1")
    assert answer["state"] == "st-1" and answer["iss"] == "http://127.0.0.1:4000"  # RFC 9207
    response = await api.post("/oauth/token", data={"grant_type": "authorization_code", "code": answer["code"],
                                                    "redirect_uri": REDIRECT, "code_verifier": verifier},
                              auth=(client.client_id, client.secret or ""))
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "openid profile email"
    jwks = jwt.PyJWKSet.from_dict((await api.get("/.well-known/jwks.json")).json())
    header = jwt.get_unverified_header(tokens["id_token"])
    key = next(k for k in jwks.keys if k.key_id == header["kid"])
    id_token = jwt.decode(tokens["id_token"], key.key, algorithms=[header["alg"]], audience=client.client_id,
                          issuer="http://127.0.0.1:4000")
    assert id_token["nonce"] == "n-1" and id_token["azp"] == client.client_id
    assert id_token["sub"] == session["user"]["id"] and id_token["email"] == "ada@example.com"
    half = hashlib.sha256(tokens["access_token"].encode()).digest()[:16]
    assert id_token["at_hash"] == base64.urlsafe_b64encode(half).rstrip(b"=").decode()
    access = claims(tokens["access_token"])
    assert access["client_id"] == client.client_id and access["aud"] == "http://127.0.0.1:4000/userinfo"
    info = await api.get("/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert info.json() == {"sub": session["user"]["id"], "name": "ada@example.com", "nickname": "ada",
                           "locale": "en", "updated_at": id_token["updated_at"], "email": "ada@example.com",
                           "email_verified": False}
    refreshed = await api.post("/oauth2/token", data={"grant_type": "refresh_token",
                                                      "refresh_token": tokens["refresh_token"]},
                               auth=(client.client_id, client.secret or ""))
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != tokens["refresh_token"]
    assert "nonce" not in claims(refreshed.json()["id_token"])  # no nonce on a refresh


async def test_the_token_endpoint_takes_json_bodies_and_client_secret_post(api: httpx.AsyncClient) -> None:
    client = await register(api)
    response = await api.post("/oauth/token", json={"grant_type": "client_credentials", "client_id": client.client_id,
                                                    "client_secret": client.secret, "audience": API,
                                                    "scope": "read:things"})
    assert response.status_code == 200, response.text
    token = claims(response.json()["access_token"])
    assert token["sub"] == client.client_id and token["aud"] == API and token["scope"] == "read:things"


# -- /authorize refusals
async def test_an_unregistered_redirect_uri_or_client_gets_a_page_never_a_redirect(api: httpx.AsyncClient) -> None:
    client = await register(api)
    for params in (auth_params(client, redirect_uri="https://evil.example.com/cb"),
                   auth_params(client, redirect_uri=REDIRECT + "/more"),
                   {**auth_params(client), "client_id": "aw_unknown"}):
        response = await api.get("/authorize", params=params)
        assert response.status_code == 400 and "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")
        assert "evil.example.com" not in response.text


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"resource": "https://other.example.com"}, "invalid_target"),
        ({"prompt": "none"}, "login_required"),
    ],
)
async def test_request_errors_go_back_to_the_client_with_state_and_iss(
    api: httpx.AsyncClient, extra: dict[str, str], error: str
) -> None:
    client = await register(api)
    response = await api.get("/authorize", params=auth_params(client, **extra))
    assert response.status_code == 302
    answer = query_of(response.headers["location"])
    assert response.headers["location"].startswith(REDIRECT)
    assert answer["error"] == error and answer["state"] == "st-1" and answer["iss"] == "http://127.0.0.1:4000"


async def test_a_public_client_must_use_pkce(api: httpx.AsyncClient) -> None:
    client = await register(api, public=True)
    response = await api.get("/authorize", params=auth_params(client))
    assert query_of(response.headers["location"])["error"] == "invalid_request"


async def test_prompt_none_with_a_session_but_no_consent_is_consent_required(api: httpx.AsyncClient) -> None:
    client = await register(api)
    session = await session_for(api)
    api.cookies.set(COOKIE_NAME, session["refreshToken"])
    answer = query_of((await api.get("/authorize", params=auth_params(client, prompt="none"))).headers["location"])
    assert answer["error"] == "consent_required"
    first_party = await register(api, first_party=True)
    answer = query_of((await api.get("/authorize", params=auth_params(first_party, prompt="none")))
                      .headers["location"])
    assert "code" in answer and answer["state"] == "st-1"  # signed in, no consent needed: a code at once


async def test_max_age_older_than_the_login_asks_for_a_new_login(api: httpx.AsyncClient, clock: Clock) -> None:
    client = await register(api, first_party=True)
    session = await session_for(api)
    api.cookies.set(COOKIE_NAME, session["refreshToken"])
    clock.advance(120)
    response = await api.get("/authorize", params=auth_params(client, max_age="60"))
    assert "/login?request_id=" in response.headers["location"]
    response = await api.get("/authorize", params=auth_params(client, max_age="600"))
    assert "code" in query_of(response.headers["location"])


# -- the token endpoint's refusals
async def test_pkce_verifier_missing_or_wrong_is_invalid_grant(api: httpx.AsyncClient) -> None:
    client = await register(api)
    session = await session_for(api)
    for verifier in (None, "wrong" * 10):
        _, challenge = pkce()
        answer = await authorize_with_bearer(api, client, session, code_challenge=challenge,
                                             code_challenge_method="S256")
        form = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT}
        if verifier:
            form["code_verifier"] = verifier
        oauth_error(await api.post("/oauth/token", data=form, auth=(client.client_id, client.secret or "")), 403,
                    "invalid_grant")


async def test_a_replayed_code_is_refused_and_revokes_what_it_gave(api: httpx.AsyncClient) -> None:
    client = await register(api)
    session = await session_for(api)
    verifier, challenge = pkce()
    answer = await authorize_with_bearer(api, client, session, code_challenge=challenge, code_challenge_method="S256")
    form = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT,
            "code_verifier": verifier}
    tokens = (await api.post("/oauth/token", data=form, auth=(client.client_id, client.secret or ""))).json()
    oauth_error(await api.post("/oauth/token", data=form, auth=(client.client_id, client.secret or "")), 403,
                "invalid_grant")
    oauth_error(await api.post("/oauth/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tokens["refresh_token"]},
                               auth=(client.client_id, client.secret or "")), 403, "invalid_grant")
    refused = await api.get("/userinfo", headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert oauth_error(refused, 401, "invalid_token") and refused.headers["www-authenticate"].startswith("Bearer")


async def test_an_expired_code_and_another_clients_code_are_invalid_grant(api: httpx.AsyncClient, clock: Clock) -> None:
    client, other = await register(api), await register(api, name="Other")
    session = await session_for(api)
    answer = await authorize_with_bearer(api, client, session)
    form = {"grant_type": "authorization_code", "code": answer["code"], "redirect_uri": REDIRECT}
    oauth_error(await api.post("/oauth/token", data=form, auth=(other.client_id, other.secret or "")), 403,
                "invalid_grant")
    clock.advance(61)
    oauth_error(await api.post("/oauth/token", data=form, auth=(client.client_id, client.secret or "")), 403,
                "invalid_grant")


async def test_client_authentication_failures(api: httpx.AsyncClient) -> None:
    client = await register(api)
    refused = await api.post("/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(client.client_id, "wrong"))
    oauth_error(refused, 401, "invalid_client")
    assert refused.headers["www-authenticate"].startswith("Basic")
    unknown = await api.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=("aw_nobody", "x"))
    assert unknown.json() == refused.json()  # nothing tells an unknown id from a wrong secret
    oauth_error(await api.post("/oauth/token", data={"grant_type": "client_credentials"}), 401, "invalid_client")
    oauth_error(await api.post("/oauth/token", data={"grant_type": "urn:example:unknown", "client_id": client.client_id,
                                                     "client_secret": client.secret}), 400, "unsupported_grant_type")
    oauth_error(await api.post("/oauth/token", data={"grant_type": "password", "client_id": client.client_id,
                                                     "client_secret": client.secret}), 403, "unauthorized_client")
    narrow = await register(api, grant_types=["authorization_code"])
    oauth_error(await api.post("/oauth/token", data={"grant_type": "client_credentials"},
                               auth=(narrow.client_id, narrow.secret or "")), 403, "unauthorized_client")


async def test_refresh_only_narrows_scopes_and_only_for_its_client(api: httpx.AsyncClient) -> None:
    client, other = await register(api), await register(api, name="Other")
    tokens = await code_tokens(api, client, await session_for(api))
    oauth_error(await api.post("/oauth/token", data={"grant_type": "refresh_token", "scope": "openid phone",
                                                     "refresh_token": tokens["refresh_token"]},
                               auth=(client.client_id, client.secret or "")), 400, "invalid_scope")
    oauth_error(await api.post("/oauth/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tokens["refresh_token"]},
                               auth=(other.client_id, other.secret or "")), 403, "invalid_grant")
    assert (await api.post("/v1/token", json={"refreshToken": tokens["refresh_token"]})).status_code == 401
    narrowed = await api.post("/oauth/token", data={"grant_type": "refresh_token", "scope": "openid",
                                                    "refresh_token": tokens["refresh_token"]},
                              auth=(client.client_id, client.secret or ""))
    assert narrowed.status_code == 200 and narrowed.json()["scope"] == "openid"


# -- tokens of one face are not tokens of the other
async def test_faces_keep_their_tokens_apart(api: httpx.AsyncClient) -> None:
    client = await register(api)
    session = await session_for(api)
    tokens = await code_tokens(api, client, session)
    third_party = {"authorization": f"Bearer {tokens['access_token']}"}
    assert (await api.get("/v1/user", headers=third_party)).status_code == 401  # not a first-party token
    assert (await api.post("/v1/pat", headers=third_party,
                           json={"expiresAt": "2030-01-01T00:00:00Z"})).status_code == 401
    first_party = {"authorization": f"Bearer {session['accessToken']}"}
    oauth_error(await api.get("/userinfo", headers=first_party), 401, "invalid_token")
    cc = (await api.post("/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(client.client_id, client.secret or ""))).json()
    oauth_error(await api.get("/userinfo", headers={"authorization": f"Bearer {cc['access_token']}"}), 401,
                "invalid_token")


# -- revocation and introspection
async def test_revocation_and_introspection(api: httpx.AsyncClient) -> None:
    client, other = await register(api), await register(api, name="Other")
    public = await register(api, public=True)
    tokens = await code_tokens(api, client, await session_for(api))
    owner = (client.client_id, client.secret or "")
    live = (await api.post("/oauth/introspect", data={"token": tokens["refresh_token"]}, auth=owner)).json()
    assert live["active"] is True and live["client_id"] == client.client_id and live["scope"] == "openid profile email"
    assert (await api.post("/oauth/introspect", data={"token": tokens["refresh_token"]},
                           auth=(other.client_id, other.secret or ""))).json() == {"active": False}
    oauth_error(await api.post("/oauth/introspect", data={"token": tokens["access_token"],
                                                          "client_id": public.client_id}), 401, "invalid_client")
    access = (await api.post("/oauth/introspect", data={"token": tokens["access_token"]}, auth=owner)).json()
    assert access["active"] is True and access["sub"] == claims(tokens["access_token"])["sub"]
    unknown = await api.post("/oauth/revoke", data={"token": "not-a-token"}, auth=owner)
    assert unknown.status_code == 200
    assert (await api.post("/oauth/revoke", json={"token": tokens["refresh_token"]}, auth=owner)).status_code == 200
    for token in (tokens["refresh_token"], tokens["access_token"]):
        assert (await api.post("/oauth/introspect", data={"token": token}, auth=owner)).json() == {"active": False}
    oauth_error(await api.post("/oauth/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tokens["refresh_token"]}, auth=owner),
                403, "invalid_grant")


# -- discovery
async def test_discovery_is_truthful(api: httpx.AsyncClient) -> None:
    metadata = (await api.get("/.well-known/openid-configuration")).json()
    assert metadata == (await api.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == "http://127.0.0.1:4000"
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["response_types_supported"] == ["code"]
    assert {"authorization_code", "refresh_token", "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange"} <= set(metadata["grant_types_supported"])
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri", "revocation_endpoint",
                 "introspection_endpoint", "end_session_endpoint"):
        path = urlsplit(metadata[name]).path
        for method in ("GET", "POST"):
            answer = await api.request(method, path)
            assert not (answer.status_code == 404 and "route-not-found" in answer.text), (name, method)


# -- Nhost's login contract
async def test_nhost_login_contract_errors_use_the_nhost_shape(api: httpx.AsyncClient) -> None:
    unknown = await api.get("/oauth2/login", params={"request_id": "00000000-0000-4000-8000-000000000000"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not-found"
    client = await register(api)
    started = await api.get("/oauth2/authorize", params=auth_params(client))
    request_id = query_of(started.headers["location"])["request_id"]
    no_token = await api.post("/oauth2/login", json={"requestId": request_id})
    assert no_token.status_code == 401 and no_token.json()["error"] == "unauthenticated-user"
    described = (await api.get("/oauth2/login", params={"request_id": request_id})).json()
    assert described["clientId"] == client.client_id and described["redirectUri"] == REDIRECT
    assert described["scopes"] == ["openid", "profile", "email"]


# -- logout
async def test_rp_initiated_logout(api: httpx.AsyncClient) -> None:
    client = await register(api, first_party=True, post_logout_redirect_uris=["https://app.example.com/bye"])
    session = await session_for(api)
    api.cookies.set(COOKIE_NAME, session["refreshToken"])
    answer = query_of((await api.get("/authorize", params=auth_params(client))).headers["location"])
    tokens = (await api.post("/oauth/token", data={"grant_type": "authorization_code", "code": answer["code"],
                                                   "redirect_uri": REDIRECT},
                             auth=(client.client_id, client.secret or ""))).json()
    refused = await api.get("/oidc/logout", params={"id_token_hint": tokens["id_token"],
                                                     "post_logout_redirect_uri": "https://evil.example.com/"})
    assert refused.status_code == 400 and "location" not in refused.headers
    done = await api.get("/oidc/logout", params={"id_token_hint": tokens["id_token"], "state": "s2",
                                                  "post_logout_redirect_uri": "https://app.example.com/bye"})
    assert done.status_code == 302 and done.headers["location"] == "https://app.example.com/bye?state=s2"
    # the browser's session and the client's session are over
    assert (await api.post("/v1/token", json={"refreshToken": session["refreshToken"]})).status_code == 401
    oauth_error(await api.post("/oauth/token", data={"grant_type": "refresh_token",
                                                     "refresh_token": tokens["refresh_token"]},
                               auth=(client.client_id, client.secret or "")), 403, "invalid_grant")
    asks = await api.get("/oidc/logout", params={"state": "s3"})  # no hint: the hosted page asks first
    assert asks.status_code == 302 and asks.headers["location"].startswith("/logout?")


# -- private_key_jwt (RFC 7523)
async def test_private_key_jwt_authenticates_once_per_assertion(api: httpx.AsyncClient) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    client = await register(api, jwks={"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    def assertion(audience: str = "http://127.0.0.1:4000/oauth/token", **extra: Any) -> str:
        now = int(datetime.now(UTC).timestamp())
        body = {"iss": client.client_id, "sub": client.client_id, "aud": audience, "iat": now, "exp": now + 60,
                "jti": secrets.token_hex(8), **extra}
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})

    def form(signed: str) -> dict[str, str]:
        return {"grant_type": "client_credentials", "client_assertion": signed,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}

    signed = assertion()
    accepted = await api.post("/oauth/token", data=form(signed))
    assert accepted.status_code == 200, accepted.text
    assert claims(accepted.json()["access_token"])["sub"] == client.client_id
    oauth_error(await api.post("/oauth/token", data=form(signed)), 401, "invalid_client")  # replayed jti
    oauth_error(await api.post("/oauth/token", data=form(assertion("https://elsewhere.example.com/token"))), 401,
                "invalid_client")
    issuer_audience = await api.post("/oauth/token", data=form(assertion("http://127.0.0.1:4000")))
    assert issuer_audience.status_code == 200  # the issuer is an accepted audience too
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(datetime.now(UTC).timestamp())
    forged = jwt.encode({"iss": client.client_id, "sub": client.client_id, "aud": "http://127.0.0.1:4000",
                         "iat": now, "exp": now + 60, "jti": "x1"}, forged_key, algorithm="RS256",
                        headers={"kid": "k1"})
    oauth_error(await api.post("/oauth/token", data=form(forged)), 401, "invalid_client")


async def test_the_provider_can_be_turned_off(make_client: Any) -> None:
    off = await make_client(oauth_enabled=False)
    answer = await off.get("/.well-known/openid-configuration")
    assert answer.status_code == 404 and answer.json()["error"] == "route-not-found"
    assert (await off.post("/oauth/token", data={"grant_type": "client_credentials"})).status_code == 404


async def test_unstorable_text_is_a_400_not_a_500(api: httpx.AsyncClient) -> None:
    for body in ('{"grant_type": "client_credentials", "client_id": "\\ud800"}',
                 '{"grant_type": "client_credentials", "client_secret": "a\\u0000b"}'):
        refused = await api.post("/oauth/token", content=body, headers={"content-type": "application/json"})
        oauth_error(refused, 400, "invalid_request")
    answer = await api.get("/authorize", params={"client_id": "a\x00b"})
    assert answer.status_code == 400


async def test_cors_for_browser_apps_on_allowed_origins(make_client: Any) -> None:
    api = await make_client(cors_origins="https://spa.example.com")
    preflight = await api.options("/oauth/token", headers={"origin": "https://spa.example.com",
                                                           "access-control-request-method": "POST"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://spa.example.com"
    answer = await api.get("/.well-known/openid-configuration", headers={"origin": "https://spa.example.com"})
    assert answer.headers["access-control-allow-origin"] == "https://spa.example.com"
    hot = await api.get("/v1/.well-known/jwks.json", headers={"origin": "https://spa.example.com"})
    assert hot.headers["access-control-allow-origin"] == "https://spa.example.com"  # the hot paths too
    other = await api.get("/.well-known/openid-configuration", headers={"origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers
    default = await (await make_client()).get("/.well-known/openid-configuration",
                                              headers={"origin": "https://spa.example.com"})
    assert "access-control-allow-origin" not in default.headers  # off by default
