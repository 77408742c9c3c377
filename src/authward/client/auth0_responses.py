"""Reading Auth0's answers: its two error shapes, and the JSON-string text some routes answer with."""

from __future__ import annotations

import httpx

from authward.client.errors import AuthError, auth0_error_from_response
from authward.client.responses import oauth_error_for

__all__ = ["auth0_error_for", "text_answer"]


def auth0_error_for(response: httpx.Response) -> AuthError:
    """An Auth0 route's error: RFC 6749's shape (oauth_error_for: the OAuthError branch, MfaTokenRequired),
    or `/dbconnections`' `{name, code, description, statusCode}` (`auth0_error_from_response`: Conflict for
    `user_exists`, InvalidRequest for `invalid_signup` / `invalid_password` / ..., InvalidClient for
    `invalid_client`)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and "error" not in data and isinstance(data.get("code"), str):
        description = data.get("description")
        route = f"{response.request.method} {response.request.url.path}"
        return auth0_error_from_response(response.status_code, data["code"],
                                         description if isinstance(description, str) else None, route=route)
    return oauth_error_for(response)


def text_answer(response: httpx.Response) -> str:
    """A text answer, which Auth0 sends as a JSON string: the string itself."""
    try:
        data = response.json()
    except ValueError:
        return response.text
    return data if isinstance(data, str) else response.text
