"""TokenVerifier and the FastAPI dependency against tokens and keys of the real server."""

from __future__ import annotations

import subprocess
import time
import uuid
from typing import Any

import httpx
import jwt
import pytest
from fastapi import Depends, FastAPI

from authward.client import AuthClient, InvalidToken, Principal, TokenVerifier, require_user
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"


def signed_up(server: LiveServer) -> AuthClient:
    client = AuthClient(server.url, timeout=30)
    client.register(f"verify-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)
    return client


def test_verifier_accepts_the_servers_tokens_and_rejects_tampering(live_server: LiveServer) -> None:
    verifier = TokenVerifier.for_server(live_server.url)
    with signed_up(live_server) as client:
        token = client.get_token()
        principal = verifier.verify(token)
        assert principal.user_id == client.get_actor_id()
        assert principal.default_role == "user" and "user" in principal.allowed_roles
        head, body, signature = token.split(".")
        with pytest.raises(InvalidToken):
            verifier.verify(f"{head}.{body}.{signature[::-1]}")
    with pytest.raises(InvalidToken, match=r"(?i)issuer"):
        TokenVerifier.for_server(live_server.url, issuer="http://someone-else").verify(token)


def test_verifier_follows_a_key_rotation_with_one_refetch(server_factory: ServerFactory) -> None:
    server = server_factory(key_cache_seconds=1)
    verifier = TokenVerifier.for_server(server.url, min_refetch_interval=0)
    with signed_up(server) as client:
        old_token = client.get_token()
        old_kid = jwt.get_unverified_header(old_token)["kid"]
        verifier.verify(old_token)
        assert verifier.fetch_count == 1

        rotated = subprocess.run(
            [AUTHWARD_BIN, "keys", "rotate"],
            env={**_base_env(), **server.env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert rotated.returncode == 0, rotated.stderr
        new_token = old_token
        deadline = time.monotonic() + 20
        while jwt.get_unverified_header(new_token)["kid"] == old_kid and time.monotonic() < deadline:
            time.sleep(0.5)  # the server reloads its keys every key_cache_seconds
            new_token = client.authenticate(client.get_user().email or "", PASSWORD)
        assert jwt.get_unverified_header(new_token)["kid"] != old_kid

        assert verifier.verify(new_token).user_id == client.get_actor_id()
        assert verifier.fetch_count == 2  # the unknown kid caused exactly one refetch
        assert verifier.verify(old_token)  # the old key stays published until its tokens expire
        assert verifier.fetch_count == 2


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")}


async def test_fastapi_dependency_protects_a_tiny_api(live_server: LiveServer) -> None:
    verifier = TokenVerifier.for_server(live_server.url)
    app = FastAPI()

    @app.get("/me")
    async def me(user: Principal = Depends(require_user(verifier))) -> dict[str, Any]:
        return {"id": user.user_id}

    with signed_up(live_server) as client:
        token = client.get_token()
        user_id = client.get_actor_id()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as api:
        ok = await api.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json() == {"id": user_id}
        assert (await api.get("/me")).status_code == 401
        assert (await api.get("/me", headers={"Authorization": f"Bearer {token}x"})).status_code == 401
