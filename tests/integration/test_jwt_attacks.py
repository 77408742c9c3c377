"""RFC 8725 attack classes against our access-token verification (GET /user and /token/verify)."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.helpers import assert_error, session_for

NS = "https://hasura.io/jwt/claims"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, claims: dict, signature: bytes = b"") -> str:
    return ".".join([b64(json.dumps(header).encode()), b64(json.dumps(claims).encode()), b64(signature)])


async def claims_and_kid(client):
    session = await session_for(client)
    token = session["accessToken"]
    return jwt.decode(token, options={"verify_signature": False}), jwt.get_unverified_header(token)["kid"], session


async def rejected(client, token):
    assert_error(await client.get("/v1/user", headers={"Authorization": f"Bearer {token}"}), 401, "unauthenticated-user")
    assert_error(await client.post("/v1/token/verify", json={"token": token}), 401, "unauthenticated-user")


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
async def test_unsigned_tokens_are_rejected(client, alg):
    claims, kid, _ = await claims_and_kid(client)
    await rejected(client, forge({"alg": alg, "typ": "JWT", "kid": kid}, claims))


async def test_hs256_signed_with_the_public_key_is_rejected(client):
    claims, kid, _ = await claims_and_kid(client)
    jwks = (await client.get("/v1/.well-known/jwks.json")).json()
    public_pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        encoding=__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.PEM,
        format=__import__("cryptography.hazmat.primitives.serialization", fromlist=["PublicFormat"]).PublicFormat.SubjectPublicKeyInfo,
    )
    import hashlib
    import hmac

    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    await rejected(client, f"{signing_input}.{b64(signature)}")


async def test_token_signed_by_another_key_with_our_kid_is_rejected(client):
    claims, kid, _ = await claims_and_kid(client)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await rejected(client, jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": kid}))


@pytest.mark.parametrize("kid", ["../../dev/null", "' OR 1=1 --", "unknown", ""])
async def test_unknown_or_injected_kid_is_rejected(client, kid):
    claims, _, _ = await claims_and_kid(client)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await rejected(client, jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": kid}))


async def test_embedded_jwk_header_is_ignored(client):
    claims, _, _ = await claims_and_kid(client)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(attacker.public_key()))
    await rejected(client, jwt.encode(claims, attacker, algorithm="RS256", headers={"jwk": jwk}))


async def _resign(client, mutate):
    """Re-sign mutated claims with the server's real key: only the claim checks can refuse them."""
    claims, _, _ = await claims_and_kid(client)
    mutate(claims)
    return client.core.codec.encode(claims)


async def test_expired_token_is_rejected(client):
    token = await _resign(client, lambda c: c.update(exp=int(time.time()) - 120, iat=int(time.time()) - 1000))
    await rejected(client, token)


async def test_missing_exp_is_rejected(client):
    await rejected(client, await _resign(client, lambda c: c.pop("exp")))


async def test_wrong_issuer_is_rejected(client):
    await rejected(client, await _resign(client, lambda c: c.update(iss="https://evil.example.com")))


async def test_token_without_hasura_claims_is_rejected(client):
    """An ID token or any other JWT we signed is not an access token."""
    await rejected(client, await _resign(client, lambda c: c.pop(NS)))


async def test_mismatched_subject_is_rejected(client):
    await rejected(client, await _resign(client, lambda c: c.update(sub="00000000-0000-0000-0000-000000000000")))


async def test_oversized_token_is_rejected(client):
    token = "a" * 9000
    assert_error(await client.get("/v1/user", headers={"Authorization": f"Bearer {token}"}), 401, "unauthenticated-user")
    assert_error(await client.post("/v1/token/verify", json={"token": token}), 400, "invalid-request")
