"""The provider routes in-process, on SQLite and PostgreSQL, where no provider needs to answer: the start
redirect and its state, refusals at the callback, provider links, the tokens route's auth.

The full round trips against real upstreams are tests/e2e/test_social_providers.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from authward.security.secrets_at_rest import hash_secret
from authward.storage.models import ProviderLink, Ticket
from authward.storage.repos import provider_links as links_repo
from tests.integration.helpers import assert_error, session_for

GITHUB = {"providers": {"github": {"enabled": True, "client_id": "gh-id", "client_secret": "gh-secret",
                                   "authorize_url": "https://github.example/login/oauth/authorize",
                                   "token_url": "https://github.example/login/oauth/access_token",
                                   "userinfo_url": "https://api.github.example/user"}}}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def bearer(session: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


async def test_start_redirects_with_a_bound_single_use_state(make_client: Any) -> None:
    api = await make_client(**GITHUB)
    started = await api.get("/v1/signin/provider/github", params={"redirectTo": "http://localhost:3000/cb"})
    assert started.status_code == 302
    location = started.headers["location"]
    assert location.startswith("https://github.example/login/oauth/authorize?")
    sent = query_of(location)
    assert sent["client_id"] == "gh-id" and sent["scope"] == "user:email" and sent["response_type"] == "code"
    assert sent["redirect_uri"] == "http://127.0.0.1:4000/signin/provider/github/callback"
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["state"].startswith("providerState:")
    cookie = started.cookies.get("authward-provider-state-github")
    assert cookie and cookie != sent["state"]  # a digest of the state, bound to this browser
    assert "httponly" in started.headers["set-cookie"].lower()
    async with api.core.db.read() as session:  # type: ignore[attr-defined]
        row = (await session.scalars(select(Ticket).where(Ticket.secret_hash == hash_secret(sent["state"])))).one()
    assert row.kind == "providerState" and row.payload["redirectTo"] == "http://localhost:3000/cb"
    assert sent["state"] not in str(row.payload)  # only its hash is stored


async def test_start_refusals(make_client: Any) -> None:
    api = await make_client(**GITHUB)
    assert_error(await api.get("/v1/signin/provider/gitlab"), 409, "disabled-endpoint")
    assert_error(await api.get("/v1/signin/provider/github", params={"redirectTo": "https://evil.example/"}), 400,
                 "redirectTo-not-allowed")
    assert_error(await api.get("/v1/signin/provider/github", params={"codeChallenge": "a" * 42}), 400,
                 "invalid-request")
    assert_error(await api.get("/v1/signin/provider/github", params={"allowedRoles": "admin"}), 400,
                 "role-not-allowed")
    assert_error(await api.get("/v1/signin/provider/github", params={"metadata": "[1]"}), 400, "invalid-request")
    assert_error(await api.get("/v1/signin/provider/github", params={"upstreamParams[scope]": "repo"}), 400,
                 "invalid-request")
    assert_error(await api.get("/v1/signup/provider/github", params={"state": "s" * 600}), 400, "invalid-request")
    assert_error(await api.post("/v1/signin/idtoken", json={"provider": "github", "idToken": "x.y.z"}), 400,
                 "invalid-request")  # GitHub issues no ID tokens
    assert_error(await api.post("/v1/signin/idtoken", json={"provider": "google", "idToken": "x.y.z"}), 409,
                 "disabled-endpoint")


async def test_callback_refusals_leave_the_state_for_its_browser(make_client: Any) -> None:
    api = await make_client(**GITHUB)
    started = await api.get("/v1/signin/provider/github", params={"redirectTo": "http://localhost:3000/cb"})
    state = query_of(started.headers["location"])["state"]
    cookie = started.cookies["authward-provider-state-github"]
    api.cookies.clear()
    no_cookie = await api.get("/v1/signin/provider/github/callback", params={"state": state, "code": "c"})
    assert no_cookie.status_code == 302 and no_cookie.headers["location"].startswith("http://localhost:3000?")
    assert query_of(no_cookie.headers["location"])["error"] == "invalid-state"
    other_provider = await api.get("/v1/signin/provider/gitlab/callback", params={"state": state},
                                   headers={"cookie": f"authward-provider-state-gitlab={cookie}"})
    assert query_of(other_provider.headers["location"])["error"] == "invalid-state"
    refused = await api.get("/v1/signin/provider/github/callback",
                            params={"state": state, "error": "access_denied"},
                            headers={"cookie": f"authward-provider-state-github={cookie}"})
    assert refused.status_code == 302 and refused.headers["location"].startswith("http://localhost:3000/cb?")
    found = query_of(refused.headers["location"])
    assert found["error"] == "oauth-provider-error" and found["provider_error"] == "access_denied"
    replay = await api.get("/v1/signin/provider/github/callback", params={"state": state, "code": "c"},
                           headers={"cookie": f"authward-provider-state-github={cookie}"})
    assert query_of(replay.headers["location"])["error"] == "invalid-state"  # used once
    weird = await api.get("/v1/signin/provider/Not%20A%20Name/callback", params={"state": "x"})
    assert_error(weird, 409, "disabled-endpoint")


async def add_link(api: Any, user_id: str, provider: str = "github") -> str:
    now = datetime.now(UTC)
    link_id = uuid.uuid4()
    async with api.core.db.write() as session:
        await links_repo.add(session, ProviderLink(
            id=link_id, user_id=uuid.UUID(user_id), provider=provider, provider_user_id=uuid.uuid4().hex,
            access_token_encrypted=None, refresh_token_encrypted=None, created_at=now, updated_at=now))
    return str(link_id)


async def test_links_list_unlink_and_tokens_auth(make_client: Any) -> None:
    api: httpx.AsyncClient = await make_client(**GITHUB)
    ada = await session_for(api, "ada@example.com")
    link_id = await add_link(api, ada["user"]["id"])
    listed = (await api.get("/v1/user/providers", headers=bearer(ada))).json()["providers"]
    assert [(link["id"], link["provider"]) for link in listed] == [(link_id, "github")]
    bob = await session_for(api, "bob@example.com")
    assert_error(await api.delete(f"/v1/user/providers/{link_id}", headers=bearer(bob)), 404, "not-found")
    assert_error(await api.delete("/v1/user/providers/nope", headers=bearer(bob)), 404, "not-found")
    assert (await api.delete(f"/v1/user/providers/{link_id}", headers=bearer(ada))).status_code == 200  # a password
    assert_error(await api.get("/v1/signin/provider/github/callback/tokens"), 401, "unauthenticated-user")
    assert_error(await api.get("/v1/signin/provider/github/callback/tokens", headers=bearer(ada)), 404, "not-found")
    assert_error(await api.post("/v1/token/provider/github", headers=bearer(ada), json={"refreshToken": "r"}), 404,
                 "not-found")  # no link to GitHub any more
    assert_error(await api.get("/v1/user/providers"), 401, "unauthenticated-user")


async def test_hosted_page_buttons_and_the_way_back_on_errors(make_client: Any) -> None:
    api = await make_client(**GITHUB)
    login = await api.get("/login")
    assert "Continue with GitHub" in login.text
    assert "/signin/provider/github?redirectTo=http%3A%2F%2F127.0.0.1%3A4000%2Flogin%2Fprovider" in login.text
    for query in ({"error": "invalid-state", "errorDescription": "Invalid state"}, {"refreshToken": "not-a-token"}):
        back = await api.get("/login/provider", params=query)
        assert back.status_code in (400, 401) and "did not work" in back.text
        assert 'name="password"' in back.text  # the login form again, with its buttons
        assert "Continue with GitHub" in back.text
    assert "authward_session" not in api.cookies
    taken = await api.get("/login/provider", params={"error": "user-already-exists"})
    assert "did not work" not in taken.text and taken.status_code == 409
