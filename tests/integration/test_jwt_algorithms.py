"""AUTHWARD_JWT_ALGORITHM: RS256 (default), ES256 and EdDSA sign and verify end to end."""

from __future__ import annotations

import jwt
import pytest

from tests.integration.helpers import session_for

EXPECTED_KTY = {"RS256": "RSA", "ES256": "EC", "EdDSA": "OKP"}


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
async def test_algorithm_signs_publishes_and_verifies(make_client, algorithm):
    client = await make_client(jwt_algorithm=algorithm)
    session = await session_for(client)
    header = jwt.get_unverified_header(session["accessToken"])
    assert header["alg"] == algorithm
    jwks = (await client.get("/.well-known/jwks.json")).json()
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert key["kty"] == EXPECTED_KTY[algorithm] and key["alg"] == algorithm
    assert "d" not in key
    claims = jwt.decode(session["accessToken"], jwt.PyJWK(key).key, algorithms=[algorithm],
                        issuer="http://127.0.0.1:4000")
    assert claims["sub"] == session["user"]["id"]
    me = await client.get("/v1/user", headers={"Authorization": f"Bearer {session['accessToken']}"})
    assert me.status_code == 200


async def test_switching_algorithm_keeps_old_tokens_valid(make_client):
    first = await make_client()
    old = await session_for(first)
    second = await make_client(jwt_algorithm="ES256")
    me = await second.get("/v1/user", headers={"Authorization": f"Bearer {old['accessToken']}"})
    assert me.status_code == 200, "the RS256 key is retired, not dropped, until its tokens expire"
    fresh = (await second.post("/v1/token", json={"refreshToken": old["refreshToken"]})).json()
    assert jwt.get_unverified_header(fresh["accessToken"])["alg"] == "ES256"
