"""The JWT attack catalogue (tests/integration/test_jwt_attacks.py) on every route that takes a bearer token, found
by walking the app's routes for the `required_claims` dependency (so a new route is covered without editing this
file), plus the hot GET /user and the OpenID userinfo endpoint. Each forged token must get a 401, never a 500 and
never a 2xx. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from authward.api.deps import required_claims
from tests.integration.helpers import session_for
from tests.integration.test_jwt_attacks import forge

Forger = Callable[[Any, dict[str, Any], str], str]
ATTACKER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def takes_a_bearer(dependant: Dependant) -> bool:
    return any(dep.call is required_claims or takes_a_bearer(dep) for dep in dependant.dependencies)


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, through included routers (FastAPI keeps them as `original_router`)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += api_routes(route.original_router.routes)
    return found


# Routes where a bearer is one way among others (so not a route dependency), with a body that asks for it.
OPTIONAL_BEARER: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/user/password"): {"newPassword": "a long enough new password"},
    ("POST", "/signout"): {"all": True},
    ("POST", "/token/verify"): {},
}


def bearer_routes(app: Any) -> list[tuple[str, str]]:
    found = {("GET", "/user"), ("GET", "/oauth2/userinfo"), *OPTIONAL_BEARER}
    for route in api_routes(app.routes):
        if takes_a_bearer(route.dependant):
            path = route.path.replace("{pat_id}", str(uuid.uuid4())).replace("{key_id}", str(uuid.uuid4()))
            found |= {(method, path) for method in route.methods if method != "HEAD"}
    return sorted(found)


FORGERIES: dict[str, Forger] = {
    "alg none": lambda _client, claims, kid: forge({"alg": "none", "typ": "JWT", "kid": kid}, claims),
    "another key, our kid": lambda _client, claims, kid: jwt.encode(claims, ATTACKER, algorithm="RS256",
                                                                    headers={"kid": kid}),
    "embedded jwk": lambda _client, claims, _kid: jwt.encode(
        claims, ATTACKER, algorithm="RS256",
        headers={"jwk": json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(ATTACKER.public_key()))}),
    "expired (our key)": lambda client, claims, _kid: client.core.codec.encode(
        {**claims, "exp": int(time.time()) - 120, "iat": int(time.time()) - 1000}),
    "exp as a string (our key)": lambda client, claims, _kid: client.core.codec.encode(
        {**claims, "exp": str(int(time.time()) + 600)}),
    "another issuer (our key)": lambda client, claims, _kid: client.core.codec.encode(
        {**claims, "iss": "https://evil.example.com"}),
    "garbage": lambda _client, _claims, _kid: "not.a.jwt",
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_every_bearer_route_refuses_forged_tokens(make_client, forgery):
    client = await make_client(email_verification_required=False)
    session = await session_for(client)
    token = session["accessToken"]
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = FORGERIES[forgery](client, claims, jwt.get_unverified_header(token)["kid"])
    routes = bearer_routes(client._transport.app.fastapi_app)  # type: ignore[attr-defined]
    assert len(routes) >= 20, routes  # the walk found the routes (PAT, MFA, email, password, passkeys, ...)
    answers = {}
    for method, path in routes:
        response = await client.request(method, path, headers={"authorization": f"Bearer {forged}"},
                                        json=OPTIONAL_BEARER.get((method, path), {}))
        answers[(method, path)] = response.status_code
    assert {route: status for route, status in answers.items() if status != 401} == {}
    # and the genuine token still works where it is enough on its own
    assert (await client.get("/user", headers={"authorization": f"Bearer {token}"})).status_code == 200
