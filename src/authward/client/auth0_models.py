"""Typed views of the Auth0 Authentication API's own answers (`AuthenticationClient`).

Token answers are `TokenSet` and `/userinfo` is `UserInfo` (oauth_models.py). Like those, these models
keep every field the server adds beyond the typed ones (`model_extra`, or `claim(name)`).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from authward.client.oauth_models import OAuthModel

__all__ = ["Auth0MfaChallenge", "Auth0User"]


class Auth0User(OAuthModel):
    """The user `POST /dbconnections/signup` created: `id` is the answer's `_id` (or `user_id`, or `id`),
    as the auth0 SDK copies it."""

    id: str
    email: str | None = None
    email_verified: bool = False
    username: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    name: str | None = None
    nickname: str | None = None
    picture: str | None = None
    user_metadata: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _id_from_the_wire(cls, data: Any) -> Any:
        if isinstance(data, dict) and "id" not in data:
            for key in ("_id", "user_id"):
                if isinstance(data.get(key), str):
                    return {**data, "id": data[key]}
        return data


class Auth0MfaChallenge(OAuthModel):
    """`POST /mfa/challenge`'s answer: the challenge type (`otp`: answer with the authenticator's code);
    an out-of-band challenge also names its `oob_code` and `binding_method`."""

    challenge_type: str
    oob_code: str | None = None
    binding_method: str | None = None
