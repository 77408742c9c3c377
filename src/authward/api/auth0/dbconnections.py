"""POST /dbconnections/signup and /dbconnections/change_password: Auth0's database connection.

Errors here are Auth0's own shape, `{name, code, description, statusCode}`, which both SDK majors read.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from authward.api.deps import get_core, provide, user_agent
from authward.api.request_text import check_request_text
from authward.errors import AuthError, ErrorCode
from authward.methods.password.reset import PasswordResetService
from authward.methods.password.service import PasswordService
from authward.services.core import Core
from authward.services.users import ProfileOptions
from authward.storage.repos import oauth_clients as clients_repo

router = APIRouter(tags=["auth0"])
RESET_SENT = "We've just sent you an email to reset your password."
SIGNUP_CODES = {
    ErrorCode.EMAIL_ALREADY_IN_USE: ("user_exists", "The user already exists."),
    ErrorCode.USER_ALREADY_EXISTS: ("user_exists", "The user already exists."),
    ErrorCode.PASSWORD_TOO_SHORT: ("invalid_password", "Password is too weak."),
    ErrorCode.PASSWORD_IN_HIBP_DATABASE: ("invalid_password", "Password has been leaked and cannot be used."),
    ErrorCode.SIGNUP_DISABLED: ("operation_not_allowed", "Sign-up is disabled."),
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")  # the SDKs add fields of their own (v2: `tenant`...)


class SignupBody(_Body):
    client_id: str = Field(min_length=1, max_length=128)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=4096)
    connection: str = Field(min_length=1, max_length=128)
    username: str | None = Field(default=None, max_length=128)
    given_name: str | None = Field(default=None, max_length=150)
    family_name: str | None = Field(default=None, max_length=150)
    name: str | None = Field(default=None, max_length=300)
    nickname: str | None = Field(default=None, max_length=300)
    picture: str | None = Field(default=None, max_length=2048)
    # Auth0's rule: at most ten properties, names of at most 100 characters, string values of at most 500.
    user_metadata: dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=500)]] | None = Field(
        default=None, max_length=10)


class ChangePasswordBody(_Body):
    client_id: str | None = Field(default=None, max_length=128)
    email: str = Field(min_length=3, max_length=320)
    connection: str = Field(min_length=1, max_length=128)


class Auth0ErrorResponse(BaseModel):
    """Auth0's own error shape on /dbconnections/* (both SDK majors read it)."""

    name: str
    code: str
    description: str
    statusCode: int


SIGNUP_ERRORS: dict[int | str, dict[str, Any]] = {
    "default": {"model": Auth0ErrorResponse, "description": "Auth0's error: {name, code, description, statusCode}"},
}


def auth0_error(code: str, description: str, status: int = 400) -> Response:
    body = {"name": "BadRequestError" if status == 400 else "Error", "code": code, "description": description,
            "statusCode": status}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _json(request: Request, model: type[_Body]) -> Any:
    try:
        data = orjson.loads(await request.body())
        check_request_text(data)
        return model.model_validate(data)
    except (orjson.JSONDecodeError, ValueError, ValidationError) as exc:
        detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else "The body must be a JSON object"
        raise _BadBody(detail) from None


class _BadBody(Exception):
    pass


PROFILE_FIELDS = {"given_name", "family_name", "name", "nickname", "picture", "username"}
"""The sign-up's profile fields: echoed in the answer, and (all but `name`, the display name) kept in metadata."""


def _unknown_connection(core: Core, connection: str) -> Response | None:
    """Auth0's answer for a connection other than the one database connection, or None."""
    if connection != core.settings.auth0.database_connection:
        return auth0_error("invalid_connection", f"Unknown connection {connection}")
    return None


@router.post("/dbconnections/signup", operation_id="auth0Signup", responses=SIGNUP_ERRORS)
async def signup(request: Request, core: Core = Depends(get_core),
                 passwords: PasswordService = Depends(provide(PasswordService))) -> Response:
    try:
        body: SignupBody = await _json(request, SignupBody)
    except _BadBody as exc:
        return auth0_error("invalid_signup", str(exc))
    if (unknown := _unknown_connection(core, body.connection)) is not None:
        return unknown
    async with core.db.read() as session:
        if await clients_repo.get(session, body.client_id) is None:
            return auth0_error("invalid_client", "Unknown client_id", 401)
    display = body.name or " ".join(p for p in (body.given_name, body.family_name) if p) or body.nickname
    profile = body.model_dump(include=PROFILE_FIELDS, exclude_none=True)
    metadata: dict[str, Any] = {**(body.user_metadata or {}), **{k: v for k, v in profile.items() if k != "name"}}
    picture = body.picture if body.picture and body.picture.startswith("https://") else None
    options = ProfileOptions(display_name=display[:32] if display else None, metadata=metadata, avatar_url=picture)
    try:
        result = await passwords.sign_up(body.email, body.password, options, user_agent(request))
    except AuthError as exc:
        code, description = SIGNUP_CODES.get(exc.code, ("invalid_signup", exc.message))
        return auth0_error(code, description)
    user = result.user
    answer: dict[str, Any] = {"_id": str(user.id), "email": user.email, "email_verified": user.email_verified}
    answer.update(profile)
    if body.user_metadata:
        answer["user_metadata"] = body.user_metadata
    return Response(orjson.dumps(answer), media_type="application/json")


@router.post("/dbconnections/change_password", operation_id="auth0ChangePassword", responses=SIGNUP_ERRORS)
async def change_password(request: Request, core: Core = Depends(get_core),
                          reset: PasswordResetService = Depends(provide(PasswordResetService))) -> Response:
    """Mails a reset link (the same answer for every address); the SDKs read the answer as text."""
    try:
        body: ChangePasswordBody = await _json(request, ChangePasswordBody)
    except _BadBody as exc:
        return auth0_error("invalid_request", str(exc))
    if (unknown := _unknown_connection(core, body.connection)) is not None:
        return unknown
    try:
        await reset.request_reset(body.email, None)
    except AuthError as exc:
        return auth0_error("invalid_request", exc.message)
    return Response(orjson.dumps(RESET_SENT), media_type="application/json")
