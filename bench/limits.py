"""The limits each route is measured against, on the core the server runs on (`taskset -c 0`).

    python bench/limits.py jwt ES256          JWT signs/s with the server's algorithm
    python bench/limits.py jwt-verify ES256   JWT signature verifications/s (PyJWT, the SDK verifier's limit)
    python bench/limits.py argon2 2 19456 1   argon2id hashes/s with the server's parameters
    python bench/limits.py verifier URL TOKEN the SDK's local TokenVerifier: verifications/s
    python bench/limits.py sqlite-commits DIR SQLite write transactions/s in DIR with synchronous=FULL

Each prints one JSON number: operations per second over about two seconds of work.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import Callable


def rate(operation: Callable[[], object], seconds: float = 2.0) -> float:
    operation()  # warm
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        operation()
        count += 1
    return count / elapsed


def jwt_signs(algorithm: str) -> float:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    keys = {"RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
            "EdDSA": ed25519.Ed25519PrivateKey.generate}
    key = keys[algorithm]()
    claims = {"sub": str(uuid.uuid4()), "iss": "http://127.0.0.1", "iat": 1, "exp": 2, "amr": ["pwd"],
              "https://hasura.io/jwt/claims": {"x-hasura-user-id": str(uuid.uuid4()),
                                               "x-hasura-default-role": "user",
                                               "x-hasura-allowed-roles": ["user", "me"]}}
    return rate(lambda: jwt.encode(claims, key, algorithm=algorithm, headers={"kid": "k"}))  # type: ignore[arg-type]


def _claims_and_key(algorithm: str) -> tuple[dict[str, object], object]:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    keys = {"RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
            "EdDSA": ed25519.Ed25519PrivateKey.generate}
    claims = {"sub": str(uuid.uuid4()), "iss": "http://127.0.0.1", "iat": 1, "exp": 2, "amr": ["pwd"],
              "https://hasura.io/jwt/claims": {"x-hasura-user-id": str(uuid.uuid4()),
                                               "x-hasura-default-role": "user",
                                               "x-hasura-allowed-roles": ["user", "me"]}}
    return claims, keys[algorithm]()


def jwt_verifications(algorithm: str) -> float:
    """Signature checks/s of one token with its public key (no expiry check: the claims are static)."""
    import jwt

    claims, key = _claims_and_key(algorithm)
    token = jwt.encode(claims, key, algorithm=algorithm)  # type: ignore[arg-type]
    public = key.public_key()  # type: ignore[attr-defined]
    return rate(lambda: jwt.decode(token, public, algorithms=[algorithm], options={"verify_exp": False}))


def sqlite_commits(directory: str) -> float:
    """One-row write transactions/s on this disk, WAL and synchronous=FULL as the server's default: each
    commit waits for the disk to sync, the ceiling of any SQLite write route."""
    import os
    import sqlite3

    path = os.path.join(directory, "commits-limit.db")
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, body TEXT)")

        def commit() -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (body) VALUES (?)", ("x" * 200,))
            conn.execute("COMMIT")
        return rate(commit)
    finally:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)


def argon2_hashes(time_cost: int, memory_kib: int, parallelism: int) -> float:
    from argon2 import PasswordHasher, Type

    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, hash_len=32,
                            salt_len=16, type=Type.ID)
    return rate(lambda: hasher.hash("correct horse battery staple"), seconds=3.0)


def verifications(base_url: str, token: str) -> float:
    from authward.client.verifier import TokenVerifier

    verifier = TokenVerifier(f"{base_url}/.well-known/jwks.json")
    return rate(lambda: verifier.verify(token))


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    if kind == "jwt":
        value = jwt_signs(args[0])
    elif kind == "jwt-verify":
        value = jwt_verifications(args[0])
    elif kind == "sqlite-commits":
        value = sqlite_commits(args[0])
    elif kind == "argon2":
        value = argon2_hashes(int(args[0]), int(args[1]), int(args[2]))
    else:
        value = verifications(args[0], args[1])
    print(json.dumps(value))
