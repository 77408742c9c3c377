"""Provider settings, the built-in catalogue, each provider's profile mapping, and the nonce rule."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml

from authward.methods.providers import profiles
from authward.methods.providers.catalogue import BUILT_IN
from authward.methods.providers.id_tokens import nonce_matches
from authward.settings import Settings, unknown_option_warnings
from authward.settings.social_sections import provider_option
from tests.integration.test_openapi_contract import REFERENCE_PATH


def test_every_provider_of_the_spec_is_built_in() -> None:
    reference = yaml.safe_load(REFERENCE_PATH.read_text())
    spec = reference["components"]["parameters"]["SignInProvider"]["schema"]["enum"]
    assert sorted(BUILT_IN) == sorted(spec)
    for provider in BUILT_IN.values():
        assert provider.authorize_url.startswith("https://") and provider.token_url.startswith("https://")


@pytest.mark.parametrize(("name", "expected"), [
    ("provider_github_client_id", ("github", "client_id")),
    ("provider_github_enabled", ("github", "enabled")),
    ("provider_windows_live_client_secret", ("windowslive", "client_secret")),  # Nhost's spelling
    ("provider_keycloak_discovery_url", ("keycloak", "discovery_url")),
    ("provider_corp2_authorize_url", ("corp2", "authorize_url")),
    ("provider_github_colour", None),
    ("provider__enabled", None),
    ("password_min_length", None),
])
def test_provider_option_names(name: str, expected: tuple[str, str] | None) -> None:
    assert provider_option(name) == expected


def test_provider_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHWARD_PROVIDER_GITHUB_ENABLED", "true")
    monkeypatch.setenv("AUTHWARD_PROVIDER_GITHUB_CLIENT_ID", "abc")
    monkeypatch.setenv("AUTHWARD_PROVIDER_GITHUB_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("AUTHWARD_PROVIDER_GITHUB_SCOPE", "read:user user:email")
    monkeypatch.setenv("AUTHWARD_PROVIDER_KEYCLOAK_ISSUER", "https://sso.example/realms/a")
    settings = Settings()
    github = settings.providers.enabled()["github"]
    assert github.client_id == "abc" and github.scope == ["read:user", "user:email"]
    assert github.client_secret is not None and github.client_secret.get_secret_value() == "s3cret"
    assert "keycloak" in settings.providers.configured() and "keycloak" not in settings.providers.enabled()
    assert unknown_option_warnings({"AUTHWARD_PROVIDER_GITHUB_CLIENT_ID": "x"}) == []
    assert unknown_option_warnings({"AUTHWARD_PROVIDER_GITHUB_COLOUR": "x"}) != []


def test_provider_settings_as_keywords_and_their_checks() -> None:
    settings = Settings(providers={"google": {"enabled": True, "client_id": "g", "audience": "ios,android"}})
    assert settings.providers.enabled()["google"].audience == ["ios", "android"]
    with pytest.raises(ValueError, match="CLIENT_ID"):
        Settings(providers={"google": {"enabled": True}})
    with pytest.raises(ValueError, match="provider name"):
        Settings(providers={"Bad-Name": {"client_id": "x"}})
    with pytest.raises(ValueError, match="http") as bad_url:
        Settings(providers={"corp": {"issuer": "ftp://x"}})
    assert bad_url.value.errors()[0]["loc"] == ("provider_corp", "issuer")  # AUTHWARD_PROVIDER_CORP_ISSUER


@dataclass
class Source:
    """A provider's answers, as the profile readers see them."""

    answers: dict[str, Any]
    token: dict[str, Any] = field(default_factory=dict)
    id_claims: dict[str, Any] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    userinfo_url: str | None = "https://api.example/user"

    async def userinfo(self) -> dict[str, Any]:
        data: dict[str, Any] = self.answers["userinfo"]
        return data

    async def get_json(self, url: str) -> Any:
        return self.answers[url]


P = profiles.ProviderProfile


@pytest.mark.parametrize(("reader", "source", "expected"), [
    (profiles.read_github, Source({"userinfo": {"id": 1, "login": "octo", "name": None, "avatar_url": "https://a/1"},
                                   "https://api.example/user/emails": [
                                       {"email": "x@e.com", "primary": True, "verified": False}]}),
     P("1", "x@e.com", False, "octo", "https://a/1")),
    (profiles.read_github, Source({"userinfo": {"id": 2, "login": "o", "email": "pub@e.com"},
                                   "https://api.example/user/emails": []}),
     P("2", "pub@e.com", False, "o", None)),  # the public address is not vouched for
    (profiles.read_oidc, Source({"userinfo": {"sub": "g1", "email": "a@g.com", "email_verified": True,
                                              "given_name": "Ada", "family_name": "L", "picture": "https://p"}}),
     P("g1", "a@g.com", True, "Ada L", "https://p")),
    (profiles.read_microsoft, Source({"userinfo": {"sub": "m1", "email": "a@m.com", "email_verified": True}}),
     P("m1", "a@m.com", False, None, None)),
    (profiles.read_gitlab, Source({"userinfo": {"id": 7, "email": "g@l.com", "confirmed_at": "2020-01-01",
                                                "name": "Gi", "avatar_url": "https://g"}}),
     P("7", "g@l.com", True, "Gi", "https://g")),
    (profiles.read_bitbucket, Source({"userinfo": {"uuid": "{u}", "display_name": "Bit",
                                                   "links": {"avatar": {"href": "https://b"}}},
                                      "https://api.example/user/emails": {"values": [
                                          {"email": "b@b.com", "is_primary": True, "is_confirmed": True}]}}),
     P("{u}", "b@b.com", True, "Bit", "https://b")),
    (profiles.read_discord, Source({"userinfo": {"id": "9", "username": "d", "global_name": "Dee",
                                                 "email": "d@d.com", "verified": True, "avatar": "abc"}}),
     P("9", "d@d.com", True, "Dee", "https://cdn.discordapp.com/avatars/9/abc.png")),
    (profiles.read_spotify, Source({"userinfo": {"id": "s", "email": "s@s.com", "display_name": "Sp",
                                                 "images": [{"url": "https://i"}]}}),
     P("s", "s@s.com", False, "Sp", "https://i")),
    (profiles.read_twitch, Source({"userinfo": {"data": [{"id": "t", "login": "tw", "email": "t@t.com",
                                                          "profile_image_url": "https://t"}]}}),
     P("t", "t@t.com", True, "tw", "https://t")),
    (profiles.read_facebook, Source({"userinfo": {"id": "f", "name": "Fb", "email": "f@f.com",
                                                  "picture": {"data": {"url": "https://f"}}}}),
     P("f", "f@f.com", True, "Fb", "https://f")),
    (profiles.read_windowslive, Source({"userinfo": {"id": "w", "name": "Win", "emails": {"preferred": "w@l.com"}}}),
     P("w", "w@l.com", False, "Win", None)),
    (profiles.read_strava, Source({"userinfo": {"id": 5, "firstname": "Str", "lastname": "Ava",
                                                "profile": "https://s"}}),
     P("5", None, False, "Str Ava", "https://s")),
    (profiles.read_twitter, Source({"userinfo": {"data": {"id": "x", "name": "Ex", "username": "ex"}}}),
     P("x", None, False, "Ex", None)),
    (profiles.read_workos, Source({}, token={"profile": {"id": "prof_1", "email": "w@corp.com",
                                                         "first_name": "Wo", "last_name": "Rk"}}),
     P("prof_1", "w@corp.com", True, "Wo Rk", None)),
    (profiles.read_apple, Source({}, id_claims={"sub": "a1", "email": "a@privaterelay.appleid.com",
                                                "email_verified": "true"},
                                 form={"user": json.dumps({"name": {"firstName": "Ap", "lastName": "Ple"}})}),
     P("a1", "a@privaterelay.appleid.com", True, "Ap Ple", None)),
])
async def test_profile_mappings(reader: profiles.ProfileReader, source: Source, expected: P) -> None:
    assert await reader(source) == expected


async def test_a_profile_without_an_id_is_refused() -> None:
    with pytest.raises(ValueError, match="no user id"):
        await profiles.read_oidc(Source({"userinfo": {"email": "a@b.c"}}))


def test_nonce_rule() -> None:
    raw = "n0nce"
    digest = hashlib.sha256(raw.encode()).hexdigest()
    assert nonce_matches(digest, raw)  # Nhost: the token carries the hash of the nonce the app sends
    assert nonce_matches(raw, raw)
    assert not nonce_matches(digest, "other")
    assert not nonce_matches(digest, None)  # a token with a nonce needs it
    assert not nonce_matches(None, raw)  # a nonce for a token without one
    assert nonce_matches(None, None)
    assert not nonce_matches(digest, raw, hashed=False)


def test_every_provider_option_is_documented() -> None:
    import re
    from pathlib import Path

    from authward.settings.social_sections import ProviderSettings

    reference = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    rows = dict(re.findall(r"^\| `AUTHWARD_PROVIDER_<NAME>_(\w+)` \| `(\w+)` \|", reference, re.M))
    assert sorted(rows.values()) == sorted(ProviderSettings.model_fields)
    assert all(env.lower() == key for env, key in rows.items())


def test_apple_client_secret_is_a_signed_jwt_and_tenants_fill_the_endpoints() -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from authward.methods.providers.configured import Provider, _overridden
    from authward.settings.social_sections import ProviderSettings

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    options = ProviderSettings(enabled=True, client_id="com.example.web", team_id="TEAM123", key_id="KEY456",
                               private_key=pem)
    apple = Provider(_overridden(BUILT_IN["apple"], options), options)
    secret = apple.client_secret(now=1_700_000_000)
    assert secret is not None
    assert jwt.get_unverified_header(secret)["kid"] == "KEY456"
    claims = jwt.decode(secret, key.public_key(), algorithms=["ES256"], audience="https://appleid.apple.com",
                        options={"verify_exp": False})
    assert (claims["iss"], claims["sub"], claims["exp"] - claims["iat"]) == ("TEAM123", "com.example.web", 300)
    tenant = ProviderSettings(enabled=True, client_id="x", tenant="contoso.onmicrosoft.com")
    azure = _overridden(BUILT_IN["azuread"], tenant)
    assert azure.authorize_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
