"""A software WebAuthn authenticator for the tests: real `none` / `packed` attestations and assertions.

It plays both the authenticator and the browser: given the options a server answered (the JSON of
`PublicKeyCredential{Creation,Request}Options`), it answers the JSON `@simplewebauthn/browser`
produces (`RegistrationResponseJSON` / `AuthenticationResponseJSON`). Keys are ECDSA P-256 (COSE -7),
made with `cryptography`; CBOR by `cbor2`. Every knob a test needs to break a ceremony is a keyword:
another origin, another RP id, a fixed sign counter, no user verification, a tampered signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40
AAGUID = bytes.fromhex("a17bc0d2d6e5412e9f6d5d3c2b1a0f99")  # this test authenticator's model id


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftKey:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data, ec.ECDSA(hashes.SHA256()))


@dataclass
class SoftAuthenticator:
    """Holds discoverable keys (passkeys), as a platform authenticator with user verification does.

    `counter`: "increment" (the usual), or "zero" (synced passkeys always report 0).
    """

    origin: str
    user_verified: bool = True
    counter: str = "increment"
    keys: list[SoftKey] = field(default_factory=list)

    # -- registration (navigator.credentials.create)
    def create(self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None,
               fmt: str = "none", user_verified: bool | None = None, key: SoftKey | None = None) -> dict[str, Any]:
        """`key`: register this key again (its credential id) instead of a new one."""
        rp = rp_id or options["rp"]["id"]
        key = key or SoftKey(secrets.token_bytes(32), ec.generate_private_key(ec.SECP256R1()), rp,
                             from_b64url(options["user"]["id"]))
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if self._uv(user_verified) else 0)
        attested = AAGUID + struct.pack(">H", len(key.credential_id)) + key.credential_id + key.cose_public_key()
        auth_data = self._auth_data(rp, flags, 0) + attested
        if fmt == "packed":  # self attestation: signed by the new credential's own key
            statement: dict[str, Any] = {"alg": -7, "sig": key.sign(auth_data + hashlib.sha256(client_data).digest())}
        else:
            statement = {}
        attestation = cbor2.dumps({"fmt": fmt, "attStmt": statement, "authData": auth_data})
        if key not in self.keys:
            self.keys.append(key)
        return {
            "id": b64url(key.credential_id), "rawId": b64url(key.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation),
                         "transports": ["internal"], "publicKeyAlgorithm": -7},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        }

    # -- authentication (navigator.credentials.get)
    def get(self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None,
            key: SoftKey | None = None, sign_count: int | None = None, user_verified: bool | None = None,
            tamper: bool = False) -> dict[str, Any]:
        rp = rp_id or options.get("rpId") or ""
        chosen = key or self.choose(options)
        if sign_count is not None:
            count = sign_count
        elif self.counter == "zero":
            count = 0
        else:
            chosen.sign_count += 1
            count = chosen.sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        flags = FLAG_UP | (FLAG_UV if self._uv(user_verified) else 0)
        auth_data = self._auth_data(rp, flags, count)
        signature = chosen.sign(auth_data + hashlib.sha256(client_data).digest())
        if tamper:
            auth_data = auth_data[:-1] + bytes([auth_data[-1] ^ 0x01])  # the counter's last byte, after signing
        return {
            "id": b64url(chosen.credential_id), "rawId": b64url(chosen.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64url(client_data), "authenticatorData": b64url(auth_data),
                         "signature": b64url(signature), "userHandle": b64url(chosen.user_handle)},
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
        }

    def choose(self, options: dict[str, Any]) -> SoftKey:
        """The newest key the options allow (any key of the RP for a discoverable request)."""
        allowed = {from_b64url(d["id"]) for d in options.get("allowCredentials") or []}
        for key in reversed(self.keys):
            if key.rp_id == options.get("rpId") and (not allowed or key.credential_id in allowed):
                return key
        raise LookupError("no key of this authenticator fits the options")

    def _uv(self, override: bool | None) -> bool:
        return self.user_verified if override is None else override

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin or self.origin,
                           "crossOrigin": False}).encode()

    @staticmethod
    def _auth_data(rp_id: str, flags: int, count: int) -> bytes:
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", count)
