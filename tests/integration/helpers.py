"""Small request helpers for the API tests."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


async def sign_up(client: httpx.AsyncClient, email: str = "ada@example.com", password: str = PASSWORD,
                  **options: Any) -> httpx.Response:
    body: dict[str, Any] = {"email": email, "password": password}
    if options:
        body["options"] = options
    return await client.post("/v1/signup/email-password", json=body)


async def session_for(client: httpx.AsyncClient, email: str = "ada@example.com") -> dict[str, Any]:
    response = await sign_up(client, email)
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()["session"]
    return session


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"status", "error", "message"}
    assert body["status"] == status
    assert body["error"] == code
    assert body["message"]
