"""The FastAPI dependency and the Starlette middleware on a tiny in-process app."""

# No `from __future__ import annotations`: FastAPI must see the route-local Annotated aliases.
from typing import Annotated, Any

import httpx
import pytest

pytest.importorskip("fastapi")
from fastapi import Depends, FastAPI
from starlette.requests import Request

from authward.client import AuthMiddleware, Principal, TokenVerifier, require_user
from tests.unit.test_client_verifier import JWKS_URL, Keys


def make_app(keys: Keys, *, middleware: bool = False) -> FastAPI:
    http = httpx.AsyncClient(transport=httpx.MockTransport(keys.handle))
    verifier = TokenVerifier(JWKS_URL, async_http_client=http)
    app = FastAPI()
    if middleware:
        app.add_middleware(AuthMiddleware, verifier=verifier, exempt=("/healthz", "/public/"))
    User = Annotated[Principal, Depends(require_user(verifier))]
    Admin = Annotated[Principal, Depends(require_user(verifier, roles=["admin"]))]

    @app.get("/me")
    def me(user: User) -> dict[str, Any]:
        return {"id": user.user_id, "roles": list(user.allowed_roles)}

    @app.get("/admin")
    def admin(user: Admin) -> dict[str, str]:
        return {"id": user.user_id}

    @app.get("/healthz")
    def healthz() -> str:
        return "OK"

    @app.get("/public/info")
    def info(request: Request) -> dict[str, bool]:
        return {"principal": "authward_principal" in request.scope.get("state", {})}

    return app


def serve(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test")


async def test_dependency_admits_valid_tokens_and_rejects_the_rest() -> None:
    keys = Keys()
    async with serve(make_app(keys)) as client:
        ok = await client.get("/me", headers={"Authorization": f"Bearer {keys.sign()}"})
        assert ok.status_code == 200 and ok.json() == {"id": "user-1", "roles": ["user", "me"]}
        missing = await client.get("/me")
        assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
        assert (await client.get("/me", headers={"Authorization": "Bearer x.y.z"})).status_code == 401
        assert (await client.get("/admin", headers={"Authorization": f"Bearer {keys.sign()}"})).status_code == 403


async def test_middleware_guards_everything_but_exempt_paths_and_the_dependency_reuses_it() -> None:
    keys = Keys()
    async with serve(make_app(keys, middleware=True)) as client:
        rejected = await client.get("/me")
        assert rejected.status_code == 401
        assert rejected.json()["error"] == "unauthenticated-user"
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/public/info")).json() == {"principal": False}
        ok = await client.get("/me", headers={"Authorization": f"Bearer {keys.sign()}"})
        assert ok.status_code == 200
        assert keys.fetches == 1
