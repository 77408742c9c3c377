"""TokenVerifier's audience and scope checks for OAuth access tokens, and how the FastAPI dependency
and the Starlette middleware answer them (401 for another audience, 403 for a missing scope)."""

# No `from __future__ import annotations`: FastAPI must see the route-local Annotated aliases.
from typing import Annotated, Any

import httpx
import pytest

pytest.importorskip("fastapi")
from fastapi import Depends, FastAPI

from authward.client import AuthMiddleware, InsufficientScope, InvalidToken, Principal, TokenVerifier, require_user
from tests.unit.test_client_verifier import JWKS_URL, Keys, verifier

API = "https://api.test"
USERINFO = "http://auth.test/userinfo"


def client_token(keys: Keys, **claims: Any) -> str:
    """A client_credentials token as the server mints it: `sub` = client_id, no Hasura claims."""
    return keys.sign(**{"sub": "aw_svc", "client_id": "aw_svc", "aud": API, "scope": "api:read api:write",
                        "https://hasura.io/jwt/claims": None, **claims})


def test_without_audience_or_scopes_nothing_changes() -> None:
    keys = Keys()
    principal = verifier(keys).verify(client_token(keys))
    assert principal.user_id == "aw_svc" and principal.client_id == "aw_svc"
    assert principal.scopes == ("api:read", "api:write") and principal.has_scope("api:read")
    plain = verifier(keys).verify(keys.sign())  # a first-party token: no scope, no client
    assert plain.scopes == () and plain.client_id is None


@pytest.mark.parametrize("aud", [API, [API, USERINFO], [USERINFO, API]])
def test_the_audience_must_be_in_the_tokens_aud(aud: str | list[str]) -> None:
    keys = Keys()
    assert verifier(keys, audience=API).verify(client_token(keys, aud=aud)).client_id == "aw_svc"


@pytest.mark.parametrize("aud", ["https://other.test", [USERINFO, "https://other.test"], None])
def test_another_audience_or_none_is_an_invalid_token(aud: str | list[str] | None) -> None:
    keys = Keys()
    token = client_token(keys, aud=aud) if aud is not None else keys.sign()
    with pytest.raises(InvalidToken, match=r"not for this audience \(https://api.test\)") as raised:
        verifier(keys, audience=API).verify(token)
    assert raised.value.status == 401


def test_required_scopes_must_all_be_granted() -> None:
    keys = Keys()
    check = verifier(keys, audience=API, required_scopes=["api:read"])
    assert check.verify(client_token(keys)).scopes == ("api:read", "api:write")
    with pytest.raises(InsufficientScope) as raised:
        check.verify(client_token(keys, scope="api:write"))
    assert raised.value.status == 403 and raised.value.missing == ("api:read",)
    assert "api:read" in raised.value.message
    with pytest.raises(InsufficientScope) as raised:  # per call, in addition to the verifier's
        check.verify(client_token(keys, scope="api:read"), required_scopes=["api:write", "api:admin"])
    assert raised.value.missing == ("api:write", "api:admin")
    with pytest.raises(InsufficientScope):
        check.verify(keys.sign(aud=API))  # no scope claim at all


async def test_averify_checks_the_same() -> None:
    keys = Keys()
    http = httpx.AsyncClient(transport=httpx.MockTransport(keys.handle))
    check = TokenVerifier(JWKS_URL, audience=API, required_scopes=["api:read"], async_http_client=http)
    assert (await check.averify(client_token(keys))).user_id == "aw_svc"
    with pytest.raises(InsufficientScope):
        await check.averify(client_token(keys), required_scopes=["api:admin"])
    with pytest.raises(InvalidToken):
        await check.averify(client_token(keys, aud="https://other.test"))


def make_app(keys: Keys, *, middleware_scopes: tuple[str, ...] | None = None) -> FastAPI:
    http = httpx.AsyncClient(transport=httpx.MockTransport(keys.handle))
    check = TokenVerifier(JWKS_URL, audience=API, required_scopes=["api:read"], async_http_client=http)
    app = FastAPI()
    if middleware_scopes is not None:
        app.add_middleware(AuthMiddleware, verifier=check, scopes=middleware_scopes)
    Reader = Annotated[Principal, Depends(require_user(check))]
    Writer = Annotated[Principal, Depends(require_user(check, scopes=["api:write"]))]

    @app.get("/items")
    def items(caller: Reader) -> dict[str, Any]:
        return {"client": caller.client_id, "scopes": list(caller.scopes)}

    @app.post("/items")
    def create(caller: Writer) -> dict[str, Any]:
        return {"client": caller.client_id}

    return app


def serve(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize("middleware", [False, True])
async def test_the_dependency_answers_401_for_another_audience_and_403_for_a_missing_scope(middleware: bool) -> None:
    keys = Keys()
    async with serve(make_app(keys, middleware_scopes=() if middleware else None)) as api:
        ok = await api.get("/items", headers=bearer(client_token(keys)))
        assert ok.status_code == 200 and ok.json() == {"client": "aw_svc", "scopes": ["api:read", "api:write"]}
        assert (await api.post("/items", headers=bearer(client_token(keys)))).status_code == 200

        wrong_api = await api.get("/items", headers=bearer(client_token(keys, aud="https://other.test")))
        assert wrong_api.status_code == 401 and "invalid_token" in wrong_api.headers["www-authenticate"]

        read_only = client_token(keys, scope="api:read")
        assert (await api.get("/items", headers=bearer(read_only))).status_code == 200
        refused = await api.post("/items", headers=bearer(read_only))
        assert refused.status_code == 403
        assert refused.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="api:write"'

        no_read = await api.get("/items", headers=bearer(client_token(keys, scope="api:write")))
        assert no_read.status_code == 403 and 'scope="api:read"' in no_read.headers["www-authenticate"]


async def test_the_middleware_refuses_a_missing_scope_with_a_json_403() -> None:
    keys = Keys()
    async with serve(make_app(keys, middleware_scopes=("api:write",))) as api:
        refused = await api.get("/items", headers=bearer(client_token(keys, scope="api:read")))
        assert refused.status_code == 403
        assert refused.json()["error"] == "insufficient_scope"
        assert refused.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="api:write"'
        assert (await api.get("/items", headers=bearer(client_token(keys)))).status_code == 200
