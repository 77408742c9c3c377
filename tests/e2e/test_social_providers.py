"""Social sign-in against real upstreams, on one pair of server processes per module.

The upstream identity provider is a second authward process (its OIDC provider face, docs/oauth.md),
reached through a generic OIDC provider (`upstream`, from its discovery document) and through the
built-in `google` with its endpoints overridden. GitHub's profile shapes come from a small local fake
(tests/e2e/fake_provider.py). The browser is an httpx client following redirects and keeping cookies;
at the upstream's login page the test signs in through Nhost's login contract (POST /oauth2/login).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from authward.client import AsyncAuthClient, AuthClient, Conflict
from tests.e2e.conftest import AUTHWARD_BIN, LiveServer, ServerFactory, free_port
from tests.e2e.fake_provider import FakeGitHub
from tests.e2e.test_hosted_pages_browser import chromium  # noqa: F401 - the headless Chromium fixture

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
GITHUB_ID, GITHUB_SECRET = "gh-client", "gh-secret"


def clients_cli(server: LiveServer, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")} | server.env
    done = subprocess.run([AUTHWARD_BIN, "clients", *args, "--json"], env=env, cwd=server.log_path.parent,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    created: dict[str, Any] = json.loads(done.stdout)
    return created


def sign_up(server: LiveServer, email: str) -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/signup/email-password", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    session: dict[str, Any] = answer.json()["session"]
    return session


def unique_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


@dataclass
class Setup:
    upstream: LiveServer
    ours: LiveServer
    client: dict[str, Any]  # the upstream's client for us
    other_client: dict[str, Any]  # another client of the upstream (a wrong audience)
    github: FakeGitHub
    cli_port: int  # the loopback port `authward login --provider` listens on (allowed as a redirect)


@pytest.fixture(scope="module")
def setup(server_factory: ServerFactory) -> Iterator[Setup]:
    upstream = server_factory()
    scopes = [arg for scope in ("openid", "email", "profile", "offline_access") for arg in ("--scope", scope)]
    grants = ["--grant", "authorization_code", "--grant", "refresh_token"]
    client = clients_cli(upstream, "create", "--name", "social", "--redirect-uri", "http://127.0.0.1/placeholder",
                         *grants, *scopes, "--first-party")
    other = clients_cli(upstream, "create", "--name", "another app", "--redirect-uri", "http://127.0.0.1/other",
                        *grants, *scopes, "--first-party")
    cli_port = free_port()
    with FakeGitHub(GITHUB_ID, GITHUB_SECRET) as github:
        issuer = upstream.url
        ours = server_factory(
            allowed_redirect_urls=f"http://127.0.0.1:{cli_port}",
            provider_upstream_enabled=True, provider_upstream_client_id=client["client_id"],
            provider_upstream_client_secret=client["client_secret"],
            provider_upstream_discovery_url=f"{issuer}/.well-known/openid-configuration",
            provider_google_enabled=True, provider_google_client_id=client["client_id"],
            provider_google_client_secret=client["client_secret"], provider_google_authorize_url=f"{issuer}/authorize",
            provider_google_token_url=f"{issuer}/oauth/token", provider_google_userinfo_url=f"{issuer}/userinfo",
            provider_google_jwks_url=f"{issuer}/.well-known/jwks.json", provider_google_issuer=issuer,
            provider_github_enabled=True, provider_github_client_id=GITHUB_ID,
            provider_github_client_secret=GITHUB_SECRET,
            provider_github_authorize_url=f"{github.url}/login/oauth/authorize",
            provider_github_token_url=f"{github.url}/login/oauth/access_token",
            provider_github_userinfo_url=f"{github.url}/user",
        )
        callbacks = [f"{ours.url}/signin/provider/{name}/callback" for name in ("upstream", "google")]
        clients_cli(upstream, "update", client["client_id"], *[a for cb in callbacks for a in ("--redirect-uri", cb)])
        yield Setup(upstream, ours, client, other, github, cli_port)


def finish_upstream_login(setup: Setup, login_page: httpx.Response, email: str) -> str:
    """At the upstream's login page: sign in there and answer the pending request; its redirect URI."""
    assert urlsplit(str(login_page.url)).path == "/login", login_page.url
    request_id = parse_qs(urlsplit(str(login_page.url)).query)["request_id"][0]
    signed_in = httpx.post(f"{setup.upstream.url}/signin/email-password", json={"email": email, "password": PASSWORD})
    token = signed_in.json()["session"]["accessToken"]
    answer = httpx.post(f"{setup.upstream.url}/oauth2/login", json={"requestId": request_id},
                        headers={"authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    redirect_uri: str = answer.json()["redirectUri"]
    return redirect_uri


def landing(response: httpx.Response) -> dict[str, str]:
    """The query the app's redirectTo was reached with."""
    return {k: v[0] for k, v in parse_qs(urlsplit(str(response.url)).query).items()}


def browser_sign_in(setup: Setup, provider: str, email: str, *, path: str = "signin", **params: str
                    ) -> tuple[dict[str, str], str]:
    """The whole dance through the upstream: (the app's landing query, the callback URL used)."""
    ours = setup.ours
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        query = urlencode({"redirectTo": f"{ours.url}/healthz", **params})
        login_page = browser.get(f"{ours.url}/{path}/provider/{provider}?{query}")
        assert login_page.status_code == 200, login_page.text
        callback = finish_upstream_login(setup, login_page, email)
        done = browser.get(callback)
        assert done.status_code == 200, done.text
        return landing(done), callback


def refresh(server: LiveServer, refresh_token: str) -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/token", json={"refreshToken": refresh_token})
    assert answer.status_code == 200, answer.text
    session: dict[str, Any] = answer.json()
    return session


def test_generic_oidc_sign_in_creates_the_user_and_keeps_the_provider_tokens(setup: Setup) -> None:
    email = unique_email("oidc")
    sign_up(setup.upstream, email)
    query, _ = browser_sign_in(setup, "upstream", email, displayName="Ada", state="app-state-1")
    assert set(query) == {"refreshToken", "state"} and query["state"] == "app-state-1"
    session = refresh(setup.ours, query["refreshToken"])
    assert session["user"]["email"] == email
    assert session["user"]["displayName"] == "Ada"
    bearer = {"authorization": f"Bearer {session['accessToken']}"}
    tokens = httpx.get(f"{setup.ours.url}/signin/provider/upstream/callback/tokens", headers=bearer)
    assert tokens.status_code == 200, tokens.text
    provider_session = tokens.json()
    assert provider_session["accessToken"] and provider_session["refreshToken"] and provider_session["expiresIn"] > 0
    # The upstream accepts the access token it issued: these are its real tokens.
    userinfo = httpx.get(f"{setup.upstream.url}/userinfo",
                         headers={"authorization": f"Bearer {provider_session['accessToken']}"})
    assert userinfo.status_code == 200 and userinfo.json()["email"] == email
    again = httpx.get(f"{setup.ours.url}/signin/provider/upstream/callback/tokens", headers=bearer)
    assert again.status_code == 404 and again.json()["error"] == "not-found"  # readable once
    refreshed = httpx.post(f"{setup.ours.url}/token/provider/upstream", headers=bearer,
                           json={"refreshToken": provider_session["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["accessToken"] != provider_session["accessToken"]
    links = httpx.get(f"{setup.ours.url}/user/providers", headers=bearer).json()["providers"]
    assert [link["provider"] for link in links] == ["upstream"]
    # The only way into this account: unlinking it is refused.
    refused = httpx.delete(f"{setup.ours.url}/user/providers/{links[0]['id']}", headers=bearer)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid-request"
    # Signing in again finds the same user by the provider's id.
    query2, _ = browser_sign_in(setup, "upstream", email)
    assert refresh(setup.ours, query2["refreshToken"])["user"]["id"] == session["user"]["id"]


def test_built_in_provider_with_endpoint_overrides(setup: Setup) -> None:
    email = unique_email("google")
    sign_up(setup.upstream, email)
    query, _ = browser_sign_in(setup, "google", email, path="signup")
    session = refresh(setup.ours, query["refreshToken"])
    assert session["user"]["email"] == email
    claims = json.loads(_b64(session["accessToken"].split(".")[1]))
    assert claims["amr"] == ["fed"]


def test_provider_sign_in_with_pkce_redirects_with_a_code_for_the_exchange(setup: Setup) -> None:
    """Nhost's codeChallenge: the redirect carries a one-time code; POST /token/exchange trades it once."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    email = unique_email("pkce")
    sign_up(setup.upstream, email)
    query, _ = browser_sign_in(setup, "upstream", email, codeChallenge=challenge)
    assert set(query) == {"code"}, query  # no refresh token in the URL
    wrong = httpx.post(f"{setup.ours.url}/token/exchange", json={"code": query["code"], "codeVerifier": "x" * 43})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid-request"
    # a wrong verifier burns the code: the right one no longer works either
    burnt = httpx.post(f"{setup.ours.url}/token/exchange", json={"code": query["code"], "codeVerifier": verifier})
    assert burnt.status_code == 400
    query, _ = browser_sign_in(setup, "upstream", email, codeChallenge=challenge)
    exchanged = httpx.post(f"{setup.ours.url}/token/exchange", json={"code": query["code"], "codeVerifier": verifier})
    assert exchanged.status_code == 200, exchanged.text
    session = exchanged.json()["session"]
    assert session["user"]["email"] == email and json.loads(_b64(session["accessToken"].split(".")[1]))["amr"]
    replayed = httpx.post(f"{setup.ours.url}/token/exchange", json={"code": query["code"], "codeVerifier": verifier})
    assert replayed.status_code == 400


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_a_replayed_callback_is_refused(setup: Setup) -> None:
    email = unique_email("replay")
    sign_up(setup.upstream, email)
    _, callback = browser_sign_in(setup, "upstream", email)
    with httpx.Client(timeout=30) as browser:
        replay = browser.get(callback)
    assert replay.status_code == 302
    assert landing_of(replay)["error"] == "invalid-state"


def landing_of(response: httpx.Response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


def test_a_tampered_state_or_another_browser_is_refused(setup: Setup) -> None:
    email = unique_email("tamper")
    sign_up(setup.upstream, email)
    ours = setup.ours
    start = f"{ours.url}/signin/provider/upstream?redirectTo={ours.url}/healthz"
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        callback = finish_upstream_login(setup, browser.get(start), email)
        with httpx.Client(timeout=30) as other_browser:  # a victim sent the attacker's callback (login CSRF)
            stolen = other_browser.get(callback)
        assert stolen.status_code == 302 and landing_of(stolen)["error"] == "invalid-state"
        assert stolen.headers["location"].startswith("http://localhost:3000")  # the client URL
        assert "refreshToken" in landing(browser.get(callback))  # its own browser: once
        callback = finish_upstream_login(setup, browser.get(start), email)
        parts = urlsplit(callback)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        tampered = {**query, "state": query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")}
        answer = browser.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(tampered)}",
                             follow_redirects=False)
        assert answer.status_code == 302 and landing_of(answer)["error"] == "invalid-state"


def test_disallowed_redirect_and_unknown_provider_are_refused_before_leaving(setup: Setup) -> None:
    ours = setup.ours
    bad = httpx.get(f"{ours.url}/signin/provider/upstream?redirectTo=https://evil.example/")
    assert bad.status_code == 400 and bad.json()["error"] == "redirectTo-not-allowed"
    off = httpx.get(f"{ours.url}/signin/provider/discord")
    assert off.status_code == 409 and off.json()["error"] == "disabled-endpoint"
    reserved = httpx.get(f"{ours.url}/signin/provider/upstream?upstreamParams[redirect_uri]=https://evil.example/")
    assert reserved.status_code == 400 and reserved.json()["error"] == "invalid-request"


def github_sign_in(setup: Setup, profile: dict[str, Any]) -> dict[str, str]:
    setup.github.next_profile = profile
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        done = browser.get(f"{setup.ours.url}/signin/provider/github?redirectTo={setup.ours.url}/healthz")
    return landing(done)


def github_profile(user_id: int, email: str, verified: bool) -> dict[str, Any]:
    return {"user": {"id": user_id, "login": "octocat", "name": "The Octocat", "email": None,
                     "avatar_url": "https://avatars.example/u/1"},
            "emails": [{"email": "other@example.com", "primary": False, "verified": True},
                       {"email": email, "primary": True, "verified": verified}]}


def test_github_profile_mapping_and_pkce(setup: Setup) -> None:
    email = unique_email("octo")
    query = github_sign_in(setup, github_profile(1000 + secrets.randbelow(10**6), email, verified=True))
    user = refresh(setup.ours, query["refreshToken"])["user"]
    assert (user["email"], user["emailVerified"], user["displayName"], user["avatarUrl"]) == (
        email, True, "The Octocat", "https://avatars.example/u/1")
    sent = setup.github.authorize_requests[-1]
    assert sent["code_challenge_method"] == "S256" and sent["scope"] == "user:email"
    assert len(setup.github.token_requests[-1]["code_verifier"]) >= 43


def test_verified_provider_email_joins_the_existing_account(setup: Setup) -> None:
    email = unique_email("existing")
    existing = sign_up(setup.ours, email)
    query = github_sign_in(setup, github_profile(2_000_000 + secrets.randbelow(10**6), email, verified=True))
    assert refresh(setup.ours, query["refreshToken"])["user"]["id"] == existing["user"]["id"]


def test_unverified_provider_email_never_joins_an_existing_account(setup: Setup) -> None:
    email = unique_email("victim")
    victim = sign_up(setup.ours, email)
    query = github_sign_in(setup, github_profile(3_000_000 + secrets.randbelow(10**6), email, verified=False))
    assert query["error"] == "user-already-exists" and "refreshToken" not in query
    bearer = {"authorization": f"Bearer {victim['accessToken']}"}
    assert httpx.get(f"{setup.ours.url}/user/providers", headers=bearer).json()["providers"] == []


# --- ID tokens -------------------------------------------------------------------------------------

def upstream_id_token(setup: Setup, client: dict[str, Any], email: str, nonce: str | None) -> str:
    """An ID token the upstream issues to `client` for `email` (what a native SDK would hold)."""
    upstream = setup.upstream
    redirect_uri = ([u for u in client.get("redirect_uris", []) if "placeholder" not in u] or
                    [f"{setup.ours.url}/signin/provider/upstream/callback"])[0]
    params = {"client_id": client["client_id"], "redirect_uri": redirect_uri, "response_type": "code",
              "scope": "openid email profile", "state": "s"}
    if nonce is not None:
        params["nonce"] = nonce
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        login_page = browser.get(f"{upstream.url}/authorize?{urlencode(params)}")
        callback = finish_upstream_login(setup, login_page, email)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    token = httpx.post(f"{upstream.url}/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                                           "redirect_uri": redirect_uri},
                       auth=(client["client_id"], client["client_secret"]))
    assert token.status_code == 200, token.text
    id_token: str = token.json()["id_token"]
    return id_token


def hashed(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def test_id_token_sign_in_up_and_link(setup: Setup) -> None:
    ours = setup.ours
    email = unique_email("idtoken")
    sign_up(setup.upstream, email)
    nonce = secrets.token_urlsafe(16)
    id_token = upstream_id_token(setup, setup.client, email, hashed(nonce))
    signed_up = httpx.post(f"{ours.url}/signup/idtoken", json={"provider": "upstream", "idToken": id_token,
                                                              "nonce": nonce, "options": {"displayName": "Idle"}})
    assert signed_up.status_code == 200, signed_up.text
    user = signed_up.json()["session"]["user"]
    assert (user["email"], user["displayName"]) == (email, "Idle")
    again = httpx.post(f"{ours.url}/signup/idtoken", json={"provider": "upstream", "idToken": id_token, "nonce": nonce})
    assert again.status_code == 409 and again.json()["error"] == "user-already-exists"
    signed_in = httpx.post(f"{ours.url}/signin/idtoken", json={"provider": "upstream", "idToken": id_token,
                                                              "nonce": nonce})
    assert signed_in.status_code == 200 and signed_in.json()["session"]["user"]["id"] == user["id"]
    # The same identity linked to another signed-in user: refused.
    other = sign_up(ours, unique_email("linker"))
    bearer = {"authorization": f"Bearer {other['accessToken']}"}
    taken = httpx.post(f"{ours.url}/link/idtoken", headers=bearer,
                       json={"provider": "upstream", "idToken": id_token, "nonce": nonce})
    assert taken.status_code == 400 and taken.json()["error"] == "provider-account-already-linked"
    # A fresh identity links to it.
    email2 = unique_email("linked")
    sign_up(setup.upstream, email2)
    nonce2 = secrets.token_urlsafe(16)
    fresh = upstream_id_token(setup, setup.client, email2, hashed(nonce2))
    linked = httpx.post(f"{ours.url}/link/idtoken", headers=bearer,
                        json={"provider": "upstream", "idToken": fresh, "nonce": nonce2})
    assert linked.status_code == 200, linked.text
    links = httpx.get(f"{ours.url}/user/providers", headers=bearer).json()["providers"]
    assert [link["provider"] for link in links] == ["upstream"]
    # With a password too, the link may go.
    assert httpx.delete(f"{ours.url}/user/providers/{links[0]['id']}", headers=bearer).status_code == 200


def test_id_tokens_with_a_wrong_nonce_audience_or_signature_are_refused(setup: Setup) -> None:
    ours = setup.ours
    email = unique_email("badtoken")
    sign_up(setup.upstream, email)
    nonce = secrets.token_urlsafe(16)
    id_token = upstream_id_token(setup, setup.client, email, hashed(nonce))

    def attempt(token: str, given_nonce: str | None) -> httpx.Response:
        return httpx.post(f"{ours.url}/signin/idtoken", json={"provider": "upstream", "idToken": token,
                                                             **({"nonce": given_nonce} if given_nonce else {})})

    for answer in (attempt(id_token, "not-the-nonce"), attempt(id_token, None)):
        assert answer.status_code == 400 and answer.json()["error"] == "invalid-request", answer.text
    header, payload, signature = id_token.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    assert attempt(forged, nonce).status_code == 400
    wrong_audience = upstream_id_token(setup, {**setup.other_client, "redirect_uris": ["http://127.0.0.1/other"]},
                                       email, hashed(nonce))
    refused = attempt(wrong_audience, nonce)
    assert refused.status_code == 400 and "audience" in refused.json()["message"]
    disabled = httpx.post(f"{ours.url}/signin/idtoken", json={"provider": "apple", "idToken": id_token})
    assert disabled.status_code == 409 and disabled.json()["error"] == "disabled-endpoint"


def test_hosted_login_page_has_a_button_per_provider_that_signs_the_browser_in(setup: Setup) -> None:
    import re

    email = unique_email("hosted")
    setup.github.next_profile = github_profile(4_000_000 + secrets.randbelow(10**6), email, verified=True)
    with httpx.Client(base_url=setup.ours.url, follow_redirects=True, timeout=30) as browser:
        page = browser.get("/login")
        buttons = dict(re.findall(r'<a class="button secondary" href="([^"]+)">Continue with ([^<]+)</a>', page.text))
        assert sorted(buttons.values()) == ["GitHub", "Google", "Upstream"]
        github = next(href for href, label in buttons.items() if label == "GitHub").replace("&amp;", "&")
        done = browser.get(github)
        assert done.status_code == 200 and urlsplit(str(done.url)).path == "/login/provider"
        assert email in done.text  # the signed-in page names the user
        login_cookie = browser.cookies.get("authward_session")
        assert login_cookie and login_cookie != landing(done)["refreshToken"]  # rotated into the browser's login
        again = browser.get("/login")  # the browser is signed in now
        assert email in again.text and 'name="password"' not in again.text


# --- the SDK and the CLI --------------------------------------------------------------------------

def test_sdk_provider_url_then_refresh_token_then_provider_tokens(setup: Setup) -> None:
    email = unique_email("sdk")
    setup.github.next_profile = github_profile(5_000_000 + secrets.randbelow(10**6), email, verified=True)
    with AuthClient(setup.ours.url) as client:
        url = client.sign_in_provider_url("github", {"redirect_to": f"{setup.ours.url}/healthz",
                                                     "display_name": "Sdk User", "metadata": {"plan": "pro"}},
                                          state="sdk-state")
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            query = landing(browser.get(url))
        assert query["state"] == "sdk-state"
        session = client.sign_in_refresh_token(query["refreshToken"])
        assert session.user is not None and session.user.email == email
        user = client.get_user()
        assert user.display_name == "Sdk User" and user.metadata == {"plan": "pro"}
        tokens = client.get_provider_tokens("github")
        assert tokens.access_token.startswith("gho_") and tokens.refresh_token is None
        links = client.list_user_providers()
        assert [link.provider for link in links] == ["github"]


async def test_async_sdk_id_token_sign_up_sign_in_and_link(setup: Setup) -> None:
    email = unique_email("asdk")
    sign_up(setup.upstream, email)
    nonce = secrets.token_urlsafe(16)
    id_token = upstream_id_token(setup, setup.client, email, hashed(nonce))
    async with AsyncAuthClient(setup.ours.url) as client:
        payload = await client.sign_up_id_token("upstream", id_token, nonce, {"display_name": "Async"})
        assert payload.session is not None and payload.session.user is not None
        assert payload.session.user.display_name == "Async"
        with pytest.raises(Conflict):
            await client.sign_up_id_token("upstream", id_token, nonce)
        signed_in = await client.sign_in_id_token("upstream", id_token, nonce)
        assert signed_in.session is not None and signed_in.session.user is not None
        assert signed_in.session.user.id == payload.session.user.id
    other_email = unique_email("asdk-link")
    async with AsyncAuthClient(setup.ours.url) as other:
        await other.sign_up_email_password(unique_email("asdk-owner"), PASSWORD)
        sign_up(setup.upstream, other_email)
        nonce2 = secrets.token_urlsafe(16)
        await other.link_id_token("upstream", upstream_id_token(setup, setup.client, other_email, hashed(nonce2)),
                                  nonce2)
        assert [link.provider for link in await other.list_user_providers()] == ["upstream"]


def test_cli_login_with_a_provider_through_the_loopback(setup: Setup, tmp_path: Any) -> None:
    import sys
    from pathlib import Path

    email = unique_email("cli")
    setup.github.next_profile = github_profile(6_000_000 + secrets.randbelow(10**6), email, verified=True)
    follower = Path(__file__).with_name("follow_browser.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHWARD_")} | {
        "AUTHWARD_URL": setup.ours.url, "AUTHWARD_SESSION_FILE": str(tmp_path / "session.json"),
        "BROWSER": f"{sys.executable} {follower} %s", "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    done = subprocess.run([AUTHWARD_BIN, "login", "--provider", "github", "--port", str(setup.cli_port),
                           "--timeout", "60", "--json"], env=env, capture_output=True, text=True, timeout=90,
                          check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    assert json.loads(done.stdout)["user"]["email"] == email
    whoami = subprocess.run([AUTHWARD_BIN, "whoami", "--json"], env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert whoami.returncode == 0 and email in whoami.stdout


# --- @nhost/nhost-js (tests/e2e/js/nhost_social.mjs), on this module's servers -----------------------

def run_nhost_js(setup: Setup, mode: str, **extra: str) -> dict[str, Any]:
    from pathlib import Path

    from tests.e2e.test_nhost_js import JS_DIR, _node

    node = _node()
    env = {"PATH": str(Path(node).parent), "AUTH_URL": f"{setup.ours.url}/v1", "SERVER_URL": setup.ours.url,
           "MODE": mode, **extra}
    done = subprocess.run([node, "nhost_social.mjs"], cwd=JS_DIR, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"{done.stderr}\n--- server log ---\n{setup.ours.log()}"
    observed: dict[str, Any] = json.loads(done.stdout)
    return observed


def test_nhost_js_sign_in_provider_url_callback_and_id_token(setup: Setup) -> None:
    urls = run_nhost_js(setup, "urls")
    assert urlsplit(urls["signIn"]).path == "/v1/signin/provider/google"
    email = unique_email("nhost-js")
    sign_up(setup.upstream, email)
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        callback = finish_upstream_login(setup, browser.get(urls["signIn"]), email)
        refresh_token = landing(browser.get(callback))["refreshToken"]
    nonce = secrets.token_urlsafe(16)
    id_token = upstream_id_token(setup, setup.client, email, hashed(nonce))
    seen = run_nhost_js(setup, "session", REFRESH_TOKEN=refresh_token, ID_TOKEN=id_token, NONCE=nonce)
    session = seen["session"]
    assert session["status"] == 200 and session["storedBySdk"] is True and session["amr"] == ["fed"]
    assert (session["email"], session["displayName"], session["metadata"]) == (email, "Js User", {"from": "nhost-js"})
    assert seen["providerTokens"]["status"] == 200 and seen["providerTokens"]["hasAccessToken"] is True
    assert seen["providerTokens"]["hasRefreshToken"] is True and seen["providerTokens"]["expiresAtIsDate"] is True
    assert seen["providerTokensAgain"] == {"status": 404, "error": "not-found"}
    assert seen["providerRefresh"] == {"status": 200, "newAccessToken": True}
    assert seen["idToken"] == {"status": 200, "userId": session["userId"], "storedBySdk": True}
    assert seen["idTokenWrongNonce"] == {"status": 400, "error": "invalid-request"}


def start_at_github(setup: Setup, browser: httpx.Client, **params: str) -> dict[str, str]:
    """Start a GitHub sign-in and stop at the fake's redirect back: the callback's query (code, state)."""
    query = urlencode({"redirectTo": f"{setup.ours.url}/healthz", **params})
    to_provider = browser.get(f"{setup.ours.url}/signin/provider/github?{query}")
    assert to_provider.status_code == 302, to_provider.text
    back = browser.get(to_provider.headers["location"])
    assert back.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(back.headers["location"]).query).items()}


def test_connect_links_the_provider_to_the_signed_in_user(setup: Setup) -> None:
    owner = sign_up(setup.ours, unique_email("connect"))
    identity = github_profile(7_000_000 + secrets.randbelow(10**6), unique_email("gh-connect"), verified=False)
    setup.github.next_profile = identity
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        query = urlencode({"redirectTo": f"{setup.ours.url}/healthz", "connect": owner["accessToken"]})
        done = landing(browser.get(f"{setup.ours.url}/signin/provider/github?{query}"))
    assert done == {"linked": "github"}  # no new session: the app has one
    bearer = {"authorization": f"Bearer {owner['accessToken']}"}
    assert [link["provider"] for link in httpx.get(f"{setup.ours.url}/user/providers", headers=bearer).json()[
        "providers"]] == ["github"]
    # The same GitHub account connected by someone else: refused.
    other = sign_up(setup.ours, unique_email("connect-other"))
    setup.github.next_profile = identity
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        query = urlencode({"redirectTo": f"{setup.ours.url}/healthz", "connect": other["accessToken"]})
        refused = landing(browser.get(f"{setup.ours.url}/signin/provider/github?{query}"))
    assert refused["error"] == "provider-account-already-linked"
    bad = httpx.get(f"{setup.ours.url}/signin/provider/github?connect=not-a-token")
    assert bad.status_code == 401


def test_form_post_callback_and_a_provider_refusal(setup: Setup) -> None:
    email = unique_email("formpost")
    setup.github.next_profile = github_profile(8_000_000 + secrets.randbelow(10**6), email, verified=True)
    with httpx.Client(timeout=30) as browser:
        back = start_at_github(setup, browser)
        posted = browser.post(f"{setup.ours.url}/signin/provider/github/callback", data=back)
        assert posted.status_code == 303  # Apple's form_post: the browser GETs the app
        assert "refreshToken" in landing_of(posted)
        back = start_at_github(setup, browser)
        denied = browser.get(f"{setup.ours.url}/signin/provider/github/callback",
                             params={"state": back["state"], "error": "access_denied",
                                     "error_description": "The user said no"})
        found = landing_of(denied)
        assert found["error"] == "oauth-provider-error" and found["provider_error"] == "access_denied"
        assert found["provider_error_description"] == "The user said no"
        assert denied.headers["location"].startswith(f"{setup.ours.url}/healthz")


def test_a_user_with_totp_gets_an_mfa_ticket_from_the_provider_sign_in(setup: Setup) -> None:
    import pyotp

    identity = github_profile(9_000_000 + secrets.randbelow(10**6), unique_email("totp"), verified=True)
    first = github_sign_in(setup, identity)
    session = refresh(setup.ours, first["refreshToken"])
    bearer = {"authorization": f"Bearer {session['accessToken']}"}
    generated = httpx.get(f"{setup.ours.url}/mfa/totp/generate", headers=bearer)
    assert generated.status_code == 200, generated.text
    totp = pyotp.TOTP(generated.json()["totpSecret"])
    enabled = httpx.post(f"{setup.ours.url}/user/mfa", headers=bearer,
                         json={"code": totp.now(), "activeMfaType": "totp"})
    assert enabled.status_code == 200, enabled.text
    second = github_sign_in(setup, identity)
    assert "refreshToken" not in second and second["mfaTicket"].startswith("mfaTotp:")
    # A code is single use (the one that enabled TOTP is spent): a recovery code completes the sign-in.
    recovery = generated.json()["recoveryCodes"][0]
    finished = httpx.post(f"{setup.ours.url}/signin/mfa/totp", json={"ticket": second["mfaTicket"], "otp": recovery})
    assert finished.status_code == 200 and finished.json()["session"]["user"]["id"] == session["user"]["id"]


def test_hosted_login_page_in_headless_chromium(setup: Setup, chromium: Any) -> None:  # noqa: F811 - the fixture
    """The real browser: the button, GitHub's (fake) consent, the callback, signed in at /login/provider."""
    email = unique_email("chromium")
    setup.github.next_profile = github_profile(10_000_000 + secrets.randbelow(10**6), email, verified=True)
    context = chromium.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{setup.ours.url}/login")
        page.get_by_role("link", name="Continue with GitHub").click()
        page.wait_for_url("**/login/provider?**")
        assert email in page.content()
        cookies = {cookie["name"]: cookie for cookie in context.cookies()}
        assert "authward_session" in cookies and cookies["authward_session"]["httpOnly"] is True
        assert "authward-provider-state-github" not in cookies  # cleared by the callback
    finally:
        context.close()
