"""Shaping domain objects into the Nhost spec's JSON, serialised once with orjson."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from authward.services.sessions import IssuedSession
from authward.services.sign_in import MfaChallenge
from authward.storage.models import User

OK_BODY = b'"OK"'


def json_response(data: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def ok_response() -> Response:
    return Response(OK_BODY, media_type="application/json")


def user_json(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(user.id),
        "createdAt": user.created_at.isoformat(),
        "displayName": user.display_name,
        "avatarUrl": user.avatar_url,
        "locale": user.locale,
        "emailVerified": user.email_verified,
        "phoneNumberVerified": user.phone_number_verified,
        "isAnonymous": user.is_anonymous,
        "defaultRole": user.default_role,
        "roles": list(dict.fromkeys([*user.roles, user.default_role])),
        "metadata": user.user_metadata or {},
        "activeMfaType": user.active_mfa_type,
    }
    if user.email is not None:
        data["email"] = user.email
    if user.phone_number is not None:
        data["phoneNumber"] = user.phone_number
    return data


def session_json(issued: IssuedSession) -> dict[str, Any]:
    return {
        "accessToken": issued.access_token,
        "accessTokenExpiresIn": issued.access_token_expires_in,
        "refreshToken": issued.refresh_token,
        "refreshTokenId": str(issued.refresh_token_id),
        "user": user_json(issued.user),
    }


def session_payload(issued: IssuedSession | None) -> dict[str, Any]:
    return {"session": session_json(issued) if issued is not None else None}


def sign_in_json(outcome: IssuedSession | MfaChallenge) -> dict[str, Any]:
    """`{session, mfa}`: a session, or (TOTP active) the ticket to finish at POST /signin/mfa/totp."""
    if isinstance(outcome, MfaChallenge):
        return {"session": None, "mfa": {"ticket": outcome.ticket}}
    return {"session": session_json(outcome), "mfa": None}
