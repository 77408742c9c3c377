"""The built-in providers, each a small declarative description: endpoints, default scopes, PKCE,
how the token endpoint wants the client to authenticate, and how to read the profile.

Endpoints are the providers' documented ones (as hasura-auth and Supabase's gotrue use them); every
one can be overridden per provider (AUTHWARD_PROVIDER_<NAME>_AUTHORIZE_URL...), and a name that is
not listed here is a generic OpenID Connect provider read from its discovery document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from authward.methods.providers import profiles
from authward.methods.providers.profiles import ProfileReader

# How the token endpoint authenticates the client (RFC 6749 §2.3.1 / OIDC Core §9).
SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method name
SECRET_POST = "client_secret_post"  # noqa: S105 - a method name


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    title: str  # the button's label
    authorize_url: str
    token_url: str
    userinfo_url: str | None
    scopes: tuple[str, ...]
    read_profile: ProfileReader
    pkce: bool = False  # sends an S256 code challenge (RFC 7636)
    token_auth: str = SECRET_POST
    scope_separator: str = " "
    jwks_url: str | None = None  # verifies ID tokens (ID-token sign-in; Apple's callback)
    issuers: tuple[str, ...] = ()  # accepted `iss` of its ID tokens
    id_token_sign_in: bool = False  # POST /signin/idtoken accepts it
    extra_authorize_params: dict[str, str] = field(default_factory=dict)
    userinfo_headers_client_id: bool = False  # Twitch wants `Client-Id` beside the bearer token
    generic_oidc: bool = False


def _microsoft(name: str, title: str) -> ProviderSpec:
    # {tenant} is replaced by AUTHWARD_PROVIDER_<NAME>_TENANT (default `common`).
    base = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
    return ProviderSpec(name, title, f"{base}/authorize", f"{base}/token", "https://graph.microsoft.com/oidc/userinfo",
                        ("openid", "email", "profile"), profiles.read_microsoft, pkce=True)


BUILT_IN: dict[str, ProviderSpec] = {spec.name: spec for spec in (
    ProviderSpec("apple", "Apple", "https://appleid.apple.com/auth/authorize", "https://appleid.apple.com/auth/token",
                 None, ("name", "email"), profiles.read_apple,
                 jwks_url="https://appleid.apple.com/auth/keys", issuers=("https://appleid.apple.com",),
                 id_token_sign_in=True,
                 # Apple posts the callback as a form when names or emails are asked for.
                 extra_authorize_params={"response_mode": "form_post"}),
    ProviderSpec("github", "GitHub", "https://github.com/login/oauth/authorize",
                 "https://github.com/login/oauth/access_token", "https://api.github.com/user", ("user:email",),
                 profiles.read_github, pkce=True),
    ProviderSpec("google", "Google", "https://accounts.google.com/o/oauth2/v2/auth",
                 "https://oauth2.googleapis.com/token", "https://openidconnect.googleapis.com/v1/userinfo",
                 ("openid", "email", "profile"), profiles.read_oidc, pkce=True,
                 jwks_url="https://www.googleapis.com/oauth2/v3/certs",
                 issuers=("https://accounts.google.com", "accounts.google.com"), id_token_sign_in=True,
                 extra_authorize_params={"access_type": "offline"}),
    ProviderSpec("linkedin", "LinkedIn", "https://www.linkedin.com/oauth/v2/authorization",
                 "https://www.linkedin.com/oauth/v2/accessToken", "https://api.linkedin.com/v2/userinfo",
                 ("openid", "profile", "email"), profiles.read_oidc),
    ProviderSpec("discord", "Discord", "https://discord.com/oauth2/authorize", "https://discord.com/api/oauth2/token",
                 "https://discord.com/api/users/@me", ("identify", "email"), profiles.read_discord, pkce=True),
    ProviderSpec("spotify", "Spotify", "https://accounts.spotify.com/authorize",
                 "https://accounts.spotify.com/api/token", "https://api.spotify.com/v1/me",
                 ("user-read-email", "user-read-private"), profiles.read_spotify, pkce=True, token_auth=SECRET_BASIC),
    ProviderSpec("twitch", "Twitch", "https://id.twitch.tv/oauth2/authorize", "https://id.twitch.tv/oauth2/token",
                 "https://api.twitch.tv/helix/users", ("user:read:email",), profiles.read_twitch,
                 userinfo_headers_client_id=True),
    ProviderSpec("gitlab", "GitLab", "https://gitlab.com/oauth/authorize", "https://gitlab.com/oauth/token",
                 "https://gitlab.com/api/v4/user", ("read_user",), profiles.read_gitlab, pkce=True),
    ProviderSpec("bitbucket", "Bitbucket", "https://bitbucket.org/site/oauth2/authorize",
                 "https://bitbucket.org/site/oauth2/access_token", "https://api.bitbucket.org/2.0/user",
                 ("account", "email"), profiles.read_bitbucket, token_auth=SECRET_BASIC),
    ProviderSpec("workos", "WorkOS", "https://api.workos.com/sso/authorize", "https://api.workos.com/sso/token",
                 None, (), profiles.read_workos),
    _microsoft("azuread", "Microsoft"),
    _microsoft("entraid", "Microsoft Entra ID"),
    ProviderSpec("strava", "Strava", "https://www.strava.com/oauth/authorize", "https://www.strava.com/oauth/token",
                 "https://www.strava.com/api/v3/athlete", ("profile:read_all",), profiles.read_strava,
                 scope_separator=","),
    ProviderSpec("facebook", "Facebook", "https://www.facebook.com/v19.0/dialog/oauth",
                 "https://graph.facebook.com/v19.0/oauth/access_token",
                 "https://graph.facebook.com/me?fields=id,name,email,picture", ("email", "public_profile"),
                 profiles.read_facebook),
    ProviderSpec("windowslive", "Windows Live", "https://login.live.com/oauth20_authorize.srf",
                 "https://login.live.com/oauth20_token.srf", "https://apis.live.net/v5.0/me",
                 ("wl.basic", "wl.emails"), profiles.read_windowslive),
    # X's OAuth 2.0 (PKCE required) rather than Nhost's OAuth 1.0a: one protocol for every provider.
    ProviderSpec("twitter", "X (Twitter)", "https://twitter.com/i/oauth2/authorize",
                 "https://api.twitter.com/2/oauth2/token",
                 "https://api.twitter.com/2/users/me?user.fields=profile_image_url",
                 ("users.read", "tweet.read", "offline.access"), profiles.read_twitter, pkce=True,
                 token_auth=SECRET_BASIC),
)}

# What a generic OIDC provider reads (its endpoints come from discovery).
GENERIC_OIDC_SCOPES = ("openid", "email", "profile")
