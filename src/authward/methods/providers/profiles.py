"""What each provider says about its user, mapped to one shape: id, email, whether the provider
verified that email, a display name and a picture.

`email_verified` is what the provider states, never assumed: it decides whether the identity may
join an existing account with that address (methods/providers/accounts.py). Each reader takes the
`ProfileSource` (the userinfo answer, the token answer, the verified ID token's claims) and may ask
one more endpoint through it (GitHub's and Bitbucket's email lists).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ProviderProfile:
    id: str
    email: str | None
    email_verified: bool
    display_name: str | None
    avatar_url: str | None


class ProfileSource(Protocol):
    """What a reader may look at: the provider's answers so far, and a GET for one more."""

    token: dict[str, Any]  # the token endpoint's answer
    id_claims: dict[str, Any]  # the verified ID token's claims ({} without one)
    form: dict[str, str]  # the callback's own parameters (Apple's `user`)

    @property
    def userinfo_url(self) -> str | None: ...

    async def userinfo(self) -> dict[str, Any]: ...

    async def get_json(self, url: str) -> Any: ...


ProfileReader = Callable[[ProfileSource], Awaitable[ProviderProfile]]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _truthy(value: Any) -> bool:
    """`true` or "true" (Apple and some OIDC providers send a string)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        raise ValueError("the provider's profile has no user id")
    return str(value)


def oidc_claims(claims: dict[str, Any]) -> ProviderProfile:
    """OpenID Connect's standard claims (OIDC Core §5.1)."""
    name = _str(claims.get("name")) or " ".join(
        part for part in (_str(claims.get("given_name")), _str(claims.get("family_name"))) if part
    ) or _str(claims.get("preferred_username"))
    return ProviderProfile(_id(claims.get("sub")), _str(claims.get("email")), _truthy(claims.get("email_verified")),
                           name or None, _str(claims.get("picture")))


async def read_oidc(source: ProfileSource) -> ProviderProfile:
    """Google, LinkedIn, generic OIDC: the userinfo endpoint's standard claims."""
    return oidc_claims(await source.userinfo())


async def read_microsoft(source: ProfileSource) -> ProviderProfile:
    """Azure AD / Entra ID: OIDC userinfo; Microsoft does not vouch for the `email` claim (any tenant
    admin can set it: the "nOAuth" takeover), so it is never treated as verified (Nhost does)."""
    claims = await source.userinfo()
    profile = oidc_claims(claims)
    # Graph's `picture` is an API URL that needs a token: no avatar.
    return ProviderProfile(profile.id, profile.email, False, profile.display_name, None)


async def read_github(source: ProfileSource) -> ProviderProfile:
    """GET /user, then /user/emails for the primary address and its `verified` flag."""
    user = await source.userinfo()
    email, verified = None, False
    emails = await source.get_json(f"{source.userinfo_url}/emails")  # https://api.github.com/user/emails
    if isinstance(emails, list):
        for entry in emails:
            if isinstance(entry, dict) and entry.get("primary") and _str(entry.get("email")):
                email, verified = entry["email"], entry.get("verified") is True
    if email is None:
        email = _str(user.get("email"))  # the public address: GitHub does not say it is verified
    return ProviderProfile(_id(user.get("id")), email, verified, _str(user.get("name")) or _str(user.get("login")),
                           _str(user.get("avatar_url")))


async def read_gitlab(source: ProfileSource) -> ProviderProfile:
    user = await source.userinfo()
    return ProviderProfile(_id(user.get("id")), _str(user.get("email")), bool(user.get("confirmed_at")),
                           _str(user.get("name")) or _str(user.get("username")), _str(user.get("avatar_url")))


async def read_bitbucket(source: ProfileSource) -> ProviderProfile:
    user = await source.userinfo()
    email, verified = None, False
    emails = await source.get_json(f"{source.userinfo_url}/emails")  # https://api.bitbucket.org/2.0/user/emails
    values = emails.get("values") if isinstance(emails, dict) else None
    for entry in values if isinstance(values, list) else []:
        if isinstance(entry, dict) and entry.get("is_primary") and _str(entry.get("email")):
            email, verified = entry["email"], entry.get("is_confirmed") is True
    links = _obj(user.get("links"))
    avatar = _obj(links.get("avatar"))
    return ProviderProfile(_id(user.get("uuid") or user.get("account_id")), email, verified,
                           _str(user.get("display_name")) or _str(user.get("nickname")), _str(avatar.get("href")))


async def read_discord(source: ProfileSource) -> ProviderProfile:
    user = await source.userinfo()
    user_id = _id(user.get("id"))
    avatar = _str(user.get("avatar"))
    return ProviderProfile(user_id, _str(user.get("email")), user.get("verified") is True,
                           _str(user.get("global_name")) or _str(user.get("username")),
                           f"https://cdn.discordapp.com/avatars/{user_id}/{avatar}.png" if avatar else None)


async def read_spotify(source: ProfileSource) -> ProviderProfile:
    """Spotify does not verify addresses (its docs: "This email address is unverified")."""
    user = await source.userinfo()
    images = user.get("images") if isinstance(user.get("images"), list) else []
    picture = _str(images[0].get("url")) if images and isinstance(images[0], dict) else None
    return ProviderProfile(_id(user.get("id")), _str(user.get("email")), False, _str(user.get("display_name")),
                           picture)


async def read_twitch(source: ProfileSource) -> ProviderProfile:
    """Helix /users answers `{"data": [user]}`; Twitch only returns an email its user verified."""
    answer = await source.userinfo()
    data = answer.get("data") if isinstance(answer.get("data"), list) else []
    user = data[0] if data and isinstance(data[0], dict) else {}
    email = _str(user.get("email"))
    return ProviderProfile(_id(user.get("id")), email, email is not None,
                           _str(user.get("display_name")) or _str(user.get("login")),
                           _str(user.get("profile_image_url")))


async def read_facebook(source: ProfileSource) -> ProviderProfile:
    """Graph /me: Facebook only returns a confirmed address."""
    user = await source.userinfo()
    picture = _obj(user.get("picture"))
    data = _obj(picture.get("data"))
    email = _str(user.get("email"))
    return ProviderProfile(_id(user.get("id")), email, email is not None, _str(user.get("name")),
                           _str(data.get("url")))


async def read_windowslive(source: ProfileSource) -> ProviderProfile:
    user = await source.userinfo()
    emails = _obj(user.get("emails"))
    email = _str(emails.get("preferred")) or _str(emails.get("account"))
    return ProviderProfile(_id(user.get("id")), email, False, _str(user.get("name")), None)


async def read_strava(source: ProfileSource) -> ProviderProfile:
    """Strava shares no email address."""
    user = await source.userinfo()
    name = " ".join(part for part in (_str(user.get("firstname")), _str(user.get("lastname"))) if part)
    return ProviderProfile(_id(user.get("id")), None, False, name or _str(user.get("username")),
                           _str(user.get("profile")))


async def read_twitter(source: ProfileSource) -> ProviderProfile:
    """X API v2 /2/users/me: no email address."""
    answer = await source.userinfo()
    user = _obj(answer.get("data"))
    return ProviderProfile(_id(user.get("id")), None, False, _str(user.get("name")) or _str(user.get("username")),
                           _str(user.get("profile_image_url")))


async def read_workos(source: ProfileSource) -> ProviderProfile:
    """WorkOS answers the profile with the token; the organisation's identity provider vouches for the address."""
    profile = source.token.get("profile")
    if not isinstance(profile, dict):
        raise ValueError("WorkOS answered no profile")
    name = " ".join(part for part in (_str(profile.get("first_name")), _str(profile.get("last_name"))) if part)
    email = _str(profile.get("email"))
    return ProviderProfile(_id(profile.get("id")), email, email is not None, name or None, None)


async def read_apple(source: ProfileSource) -> ProviderProfile:
    """The verified ID token's claims; the name comes once, in the first callback's `user` form field."""
    import json

    profile = oidc_claims(source.id_claims)
    name = profile.display_name
    raw_user = source.form.get("user")
    if raw_user and name is None:
        try:
            user = json.loads(raw_user)
        except ValueError:
            user = {}
        names = _obj(_obj(user).get("name"))
        name = " ".join(part for part in (_str(names.get("firstName")), _str(names.get("lastName"))) if part) or None
    return ProviderProfile(profile.id, profile.email, profile.email_verified, name, None)
