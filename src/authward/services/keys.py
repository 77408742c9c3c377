"""Signing keys: generation, rotation, and an in-memory key ring for the hot paths.

The ring caches parsed key objects and the serialised JWKS, so signing, verifying and serving
the JWKS do no database work per request; it reloads every `key_cache_seconds` (a maintenance job)
and on an unknown `kid` (a key rotated by another process). So after a rotation on one instance,
every other one verifies the new key's tokens at once (at most one reload a second on a miss), and
serves the new JWKS and signs with the new key within `key_cache_seconds`. Meanwhile it may still
sign with the old key: a retired key stays in the JWKS that much longer (`_retired_expiry`).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from authward.clock import Clock, utc_now
from authward.security.secretbox import SecretBox
from authward.settings import JwtAlgorithm
from authward.storage.db import Database
from authward.storage.models import SigningKey
from authward.storage.repos import keys as keys_repo

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
_PURPOSE = "signing-key"
# Grace after a retired key's last possible token expiry, for clock skew.
RETIRE_GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    algorithm: str
    public_key: PublicKey
    private_key: PrivateKey | None
    retired: bool


def generate_private_key(algorithm: str) -> PrivateKey:
    if algorithm == JwtAlgorithm.RS256:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if algorithm == JwtAlgorithm.ES256:
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == JwtAlgorithm.EDDSA:
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unsupported JWT algorithm {algorithm}")


def public_jwk(public_key: PublicKey, kid: str, algorithm: str) -> dict[str, Any]:
    if isinstance(public_key, rsa.RSAPublicKey):
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    jwk.pop("key_ops", None)
    return {**jwk, "kid": kid, "alg": algorithm, "use": "sig"}


def new_signing_key(algorithm: str, box: SecretBox, clock: Clock = utc_now) -> SigningKey:
    private = generate_private_key(algorithm)
    kid = uuid.uuid4().hex
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SigningKey(
        kid=kid,
        algorithm=algorithm,
        public_jwk=public_jwk(private.public_key(), kid, algorithm),
        private_key_encrypted=box.encrypt(pem, _PURPOSE),
        created_at=clock(),
    )


class KeyRing:
    """The keys this process signs and verifies with."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        algorithm: str,
        access_token_ttl: int,
        cache_seconds: int = 30,
        clock: Clock = utc_now,
    ) -> None:
        self._db = db
        self._box = box
        self._algorithm = algorithm
        self._access_token_ttl = access_token_ttl
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._keys: dict[str, LoadedKey] = {}
        self._signing: LoadedKey | None = None
        self._jwks_body = b'{"keys":[]}'
        self._last_miss_reload = 0.0

    # -- lifecycle
    async def ensure_signing_key(self) -> None:
        """Create the first key when the database has none of the configured algorithm."""
        async with self._db.write() as session:
            live = await keys_repo.live_keys(session, self._clock())
            if not any(k.retired_at is None and k.algorithm == self._algorithm for k in live):
                key = new_signing_key(self._algorithm, self._box, self._clock)
                await keys_repo.add(session, key)
                await keys_repo.retire_active(session, self._clock(), self._retired_expiry(), key.kid)
        await self.reload()

    async def rotate(self) -> str:
        """Add a new key and retire the others once no token they signed can still be valid."""
        async with self._db.write() as session:
            key = new_signing_key(self._algorithm, self._box, self._clock)
            await keys_repo.add(session, key)
            await keys_repo.retire_active(session, self._clock(), self._retired_expiry(), key.kid)
        await self.reload()
        return key.kid

    def _retired_expiry(self) -> Any:
        """Other instances sign with the old key until their next reload: its tokens outlive it by that much."""
        return self._clock() + timedelta(seconds=self._access_token_ttl + self._cache_seconds) + RETIRE_GRACE

    async def reload(self) -> None:
        async with self._db.read() as session:
            rows = await keys_repo.live_keys(session, self._clock())
        keys: dict[str, LoadedKey] = {}
        signing: LoadedKey | None = None
        for row in rows:
            private: PrivateKey | None = None
            if row.retired_at is None:
                pem = self._box.decrypt(row.private_key_encrypted, _PURPOSE)
                private = serialization.load_pem_private_key(pem, password=None)  # type: ignore[assignment]
            public = _public_from_jwk(row.public_jwk)
            loaded = LoadedKey(row.kid, row.algorithm, public, private, row.retired_at is not None)
            keys[row.kid] = loaded
            if signing is None and private is not None and row.algorithm == self._algorithm:
                signing = loaded
        self._keys = keys
        self._signing = signing
        self._jwks_body = json.dumps(
            {"keys": [row.public_jwk for row in rows]}, separators=(",", ":")
        ).encode()

    # -- hot paths
    @property
    def signing_key(self) -> LoadedKey:
        if self._signing is None:
            raise RuntimeError("no signing key loaded")
        return self._signing

    @property
    def jwks_body(self) -> bytes:
        return self._jwks_body

    async def verification_key_or_reload(self, kid: str) -> LoadedKey | None:
        """Look the kid up; on a miss reload at most once a second (another process may have rotated)."""
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._last_miss_reload > 1.0:
            self._last_miss_reload = time.monotonic()
            await self.reload()
            key = self._keys.get(kid)
        return key


def _public_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    kty = jwk.get("kty")
    data = json.dumps(jwk)
    if kty == "RSA":
        return RSAAlgorithm.from_jwk(data)  # type: ignore[return-value]
    if kty == "EC":
        return ECAlgorithm.from_jwk(data)  # type: ignore[return-value]
    return OKPAlgorithm.from_jwk(data)  # type: ignore[return-value]
