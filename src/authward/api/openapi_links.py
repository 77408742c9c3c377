"""OpenAPI `links` in /openapi.json: which value of one answer feeds which request next.

A session's refresh token goes to `POST /token` and `POST /signout`, its access token to the routes that
need a signed-in user (as `Authorization: Bearer ...`), its user's id to the admin routes; a new PAT goes to
`POST /signin/pat`; a user the admin API created goes to the admin routes about it. Clients' code
generators read them, and schemathesis' state machine follows them to test sequences of calls
(tests/e2e/test_schemathesis.py). The links are added to the document FastAPI builds, once, and only
between operations the document has (a method that is off takes its links with it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

# operationId -> where the session is in its 200 answer (a JSON pointer; "" for the whole body)
SESSION_SOURCES: dict[str, str] = {
    "signUpEmailPassword": "/session", "signInEmailPassword": "/session", "signInAnonymous": "/session",
    "signInPAT": "/session", "signInIdToken": "/session", "signUpIdToken": "/session",
    "tokenExchange": "/session", "verifySignInMfaTotp": "/session", "elevateTotp": "/session",
    "disableUserMfa": "/session", "verifySignInOTPEmail": "/session", "verifySignInPasswordlessSms": "/session",
    "verifySignUpWebauthn": "/session", "verifySignInWebauthn": "/session", "verifyElevateWebauthn": "/session",
    "verifySignInMfaWebauthn": "/session", "refreshToken": "",
}
# routes of a signed-in user, reached with the session's access token
BEARER_TARGETS = ("getUser", "exportUserData", "listPATs", "createPAT", "getUserMfa", "listSecurityKeys",
                  "listUserProviders", "changeUserMfa")
# admin routes about one user (`user_id` in the path)
ADMIN_USER_TARGETS = ("adminGetUser", "adminUpdateUser", "adminListUserSessions", "adminRevokeSessions",
                      "adminDisableUser", "adminEnableUser", "adminRemoveMfa", "adminDeleteUser")


def _session_links(at: str) -> dict[str, dict[str, Any]]:
    bearer = {"header.Authorization": f"Bearer {{$response.body#{at}/accessToken}}"}
    links: dict[str, dict[str, Any]] = {
        "RefreshToken": {"operationId": "refreshToken",
                         "requestBody": {"refreshToken": f"$response.body#{at}/refreshToken"}},
        "SignOut": {"operationId": "signOut", "parameters": bearer,
                    "requestBody": {"refreshToken": f"$response.body#{at}/refreshToken"}},
    }
    links.update({_name(target): {"operationId": target, "parameters": bearer} for target in BEARER_TARGETS})
    links.update(_admin_user_links(f"$response.body#{at}/user/id"))
    return links


def _admin_user_links(user_id: str) -> dict[str, dict[str, Any]]:
    return {_name(target): {"operationId": target, "parameters": {"path.user_id": user_id}}
            for target in ADMIN_USER_TARGETS}


def _name(operation_id: str) -> str:
    return operation_id[0].upper() + operation_id[1:]


def links_by_source() -> dict[str, dict[str, dict[str, Any]]]:
    """operationId -> the links of its 200 answer."""
    links = {source: _session_links(at) for source, at in SESSION_SOURCES.items()}
    links["createPAT"] = {"SignInPAT": {"operationId": "signInPAT",
                                        "requestBody": {"personalAccessToken": "$response.body#/personalAccessToken"}}}
    links["adminCreateUser"] = _admin_user_links("$response.body#/id")
    return links


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the links whose source and target it both has (changed in place)."""
    operations = {op["operationId"]: op for item in document.get("paths", {}).values()
                  for op in item.values() if isinstance(op, dict) and "operationId" in op}
    for source, links in links_by_source().items():
        answer = operations.get(source, {}).get("responses", {}).get("200")
        present = {name: link for name, link in links.items() if link["operationId"] in operations}
        if answer is not None and present:
            answer["links"] = present
    return document


def install_links(app: FastAPI) -> None:
    """Serve /openapi.json with the links (FastAPI builds the document once and keeps it)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_links(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
