"""Request models of the anonymous-user routes, named as the spec's components."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from authward.api.nhost.schemas import Metadata, SignUpOptions, StrictModel


class SignInAnonymousRequest(StrictModel):
    displayName: str | None = None  # <= 32, checked in code (valid_display_name)
    locale: str | None = Field(default=None, min_length=2, max_length=3)
    metadata: Metadata | None = None


class UserDeanonymizeRequest(StrictModel):
    signInMethod: Literal["email-password", "passwordless"]
    email: str = Field(json_schema_extra={"format": "email"})  # normalise_email bounds and checks it
    # Longer than the spec's 50, as on sign-up: long passphrases are accepted whole.
    password: str | None = Field(default=None, min_length=1, max_length=4096)
    connection: str | None = Field(default=None, json_schema_extra={"deprecated": True})  # ignored
    options: SignUpOptions | None = None
    codeChallenge: str | None = Field(default=None, min_length=43, max_length=43, pattern=r"^[A-Za-z0-9_-]{43}$")
