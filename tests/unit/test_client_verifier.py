"""TokenVerifier: signature, claims, algorithm allow-list, JWKS cache and rate-limited refetch."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

jwt = pytest.importorskip("jwt")
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from authward.client import InvalidToken, NetworkError, TokenVerifier  # noqa: E402

ISSUER = "http://auth.test"
JWKS_URL = f"{ISSUER}/v1/.well-known/jwks.json"


class Keys:
    """A signing-key ring served as a JWKS, counting fetches."""

    def __init__(self) -> None:
        self.active: list[tuple[str, Any, str]] = []
        self.fetches = 0
        self.add()

    def add(self, kind: str = "RS256") -> str:
        kid = uuid.uuid4().hex
        key = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if kind == "RS256"
            else (ec.generate_private_key(ec.SECP256R1()))
        )
        self.active.append((kid, key, kind))
        return kid

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key, alg in self.active:
            jwk = jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key(), as_dict=True)
            keys.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        return {"keys": keys}

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        return httpx.Response(200, json=self.jwks())

    def sign(self, index: int = -1, **claims: Any) -> str:
        kid, key, alg = self.active[index]
        now = int(time.time())
        payload = {
            "sub": "user-1",
            "iss": ISSUER,
            "iat": now,
            "exp": now + 900,
            "https://hasura.io/jwt/claims": {
                "x-hasura-user-id": "user-1",
                "x-hasura-default-role": "user",
                "x-hasura-allowed-roles": ["user", "me"],
            },
            **claims,
        }
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def verifier(keys: Keys, clock: Clock | None = None, **options: Any) -> TokenVerifier:
    http = httpx.Client(transport=httpx.MockTransport(keys.handle))
    return TokenVerifier(JWKS_URL, http_client=http, clock=clock or Clock(), **options)


def test_a_valid_token_gives_its_principal_and_the_jwks_is_cached() -> None:
    keys = Keys()
    check = verifier(keys)
    principal = check.verify(keys.sign())
    assert (principal.user_id, principal.default_role, principal.allowed_roles) == ("user-1", "user", ("user", "me"))
    check.verify(keys.sign())
    assert keys.fetches == 1


def test_issuer_defaults_to_the_server_root_of_the_jwks_url() -> None:
    assert TokenVerifier(JWKS_URL).issuer == ISSUER
    assert TokenVerifier.for_server("http://auth.test/").jwks_url == JWKS_URL


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"iss": "http://evil.test"}, "issuer"),
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"aud": "other-api"}, "audience"),
    ],
)
def test_bad_claims_are_rejected(claims: dict[str, Any], reason: str) -> None:
    keys = Keys()
    with pytest.raises(InvalidToken, match=f"(?i){reason}"):
        verifier(keys, audience="my-api").verify(keys.sign(**claims))


def test_leeway_accepts_a_just_expired_token() -> None:
    keys = Keys()
    token = keys.sign(exp=int(time.time()) - 5)
    assert verifier(keys, leeway=30).verify(token).user_id == "user-1"
    with pytest.raises(InvalidToken):
        verifier(keys, leeway=0).verify(token)


def test_a_tampered_signature_and_disallowed_algorithms_are_rejected() -> None:
    keys = Keys()
    token = keys.sign()
    head, body, sig = token.split(".")
    with pytest.raises(InvalidToken):
        verifier(keys).verify(f"{head}.{body}.{sig[:-4]}AAAA")
    hs = jwt.encode(
        {"sub": "x", "iss": ISSUER, "iat": 1, "exp": 2**31},
        "a-shared-secret-of-at-least-32-bytes!",
        algorithm="HS256",
        headers={"kid": keys.active[0][0]},
    )
    with pytest.raises(InvalidToken, match="not allowed"):
        verifier(keys).verify(hs)
    with pytest.raises(InvalidToken, match="not allowed"):
        verifier(keys, algorithms=("ES256",)).verify(token)


def test_es256_keys_verify() -> None:
    keys = Keys()
    keys.add("ES256")
    assert verifier(keys).verify(keys.sign()).user_id == "user-1"


def test_a_rotated_key_is_fetched_once_and_refetches_are_rate_limited() -> None:
    keys = Keys()
    clock = Clock()
    check = verifier(keys, clock, min_refetch_interval=30)
    check.verify(keys.sign())
    keys.add()  # the server rotates
    clock.now += 31
    assert check.verify(keys.sign()).user_id == "user-1"
    assert keys.fetches == 2
    keys.add()
    unknown = keys.sign(-1)
    keys.active.pop()  # a token signed by a key the server does not publish
    clock.now += 31
    for _ in range(5):
        with pytest.raises(InvalidToken, match="Unknown signing key"):
            check.verify(unknown)
    assert keys.fetches == 3  # one refetch for the unknown kid, then rate-limited


def test_unreachable_jwks_is_a_network_error_not_an_invalid_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    check = TokenVerifier(JWKS_URL, http_client=httpx.Client(transport=httpx.MockTransport(refuse)))
    with pytest.raises(NetworkError):
        check.verify(Keys().sign())


async def test_averify_fetches_without_blocking_and_matches_verify() -> None:
    keys = Keys()
    check = TokenVerifier(JWKS_URL, async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(keys.handle)))
    principal = await check.averify(keys.sign())
    assert principal.user_id == "user-1" and keys.fetches == 1
