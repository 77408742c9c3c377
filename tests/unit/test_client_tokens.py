"""Client-side JWT reading: claims of a compact JWS, None for anything else."""

from __future__ import annotations

import base64
import json

from authward.client.tokens import looks_like_jwt, unverified_claims


def segment(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def test_claims_of_a_jwt_are_read_without_padding() -> None:
    token = f"{segment({'alg': 'RS256'})}.{segment({'sub': 'u1', 'exp': 10})}.c2ln"
    assert unverified_claims(token) == {"sub": "u1", "exp": 10}
    assert looks_like_jwt(token)


def test_pats_and_garbage_are_not_jwts() -> None:
    assert not looks_like_jwt("2c35b6f3-c4b9-48e3-978a-d4d0f1d42e24")
    assert not looks_like_jwt("a.b.c")
    assert not looks_like_jwt(f"{segment({'typ': 'x'})}.{segment({'sub': 'u'})}.s")  # no alg: not a JWS
    assert not looks_like_jwt(f"{segment({'alg': 'RS256'})}.{segment([1, 2])}.s")
