"""Long-lived credentials need a recent authentication; PATs are bounded (services/elevation.py, methods/pat)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.helpers import PASSWORD, assert_error, session_for


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def bearer(session: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {session['accessToken']}"}


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def test_a_stale_token_cannot_create_a_pat_or_change_the_password(make_client):
    clock = Clock()
    client = await make_client(clock=clock)
    session = await session_for(client)
    clock.now += timedelta(minutes=11)  # the access token is still valid; the authentication is not recent
    assert_error(await client.post("/pat", json={"expiresAt": in_days(1)}, headers=bearer(session)),
                 401, "elevated-claim-required")
    assert_error(await client.post("/user/password", json={"newPassword": PASSWORD + "x"}, headers=bearer(session)),
                 401, "elevated-claim-required")
    refreshed = (await client.post("/token", json={"refreshToken": session["refreshToken"]})).json()
    refused = await client.post("/pat", json={"expiresAt": in_days(1)}, headers=bearer(refreshed))
    assert refused.status_code == 401  # a refresh keeps the old auth_time


async def test_a_pat_has_a_maximum_lifetime(make_client):
    client = await make_client()
    session = await session_for(client)
    too_long = await client.post("/pat", json={"expiresAt": in_days(91)}, headers=bearer(session))
    assert_error(too_long, 400, "invalid-request")
    assert (await client.post("/pat", json={"expiresAt": in_days(89)}, headers=bearer(session))).status_code == 200


async def test_a_pat_session_cannot_mint_pats_and_a_password_change_revokes_pats(make_client):
    client = await make_client()
    session = await session_for(client)
    pat = (await client.post("/pat", json={"expiresAt": in_days(30)}, headers=bearer(session))).json()
    pat_session = (await client.post("/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]}))
    assert pat_session.status_code == 200
    minted = await client.post("/pat", json={"expiresAt": in_days(1)}, headers=bearer(pat_session.json()["session"]))
    assert_error(minted, 401, "elevated-claim-required")
    changed = await client.post("/user/password", json={"newPassword": PASSWORD + "x"}, headers=bearer(session))
    assert changed.status_code == 200
    again = await client.post("/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]})
    assert_error(again, 401, "invalid-pat")


async def test_a_pat_of_a_user_with_mfa_gets_a_challenge_unless_the_operator_allows_the_skip(make_client):
    from sqlalchemy import update

    from authward.storage.models import User

    strict = await make_client()
    session = await session_for(strict)
    pat = (await strict.post("/pat", json={"expiresAt": in_days(30)}, headers=bearer(session))).json()
    async with strict.core.db.write() as db_session:
        await db_session.execute(update(User).values(active_mfa_type="totp"))
    answer = (await strict.post("/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]})).json()
    assert answer["session"] is None and answer["mfa"]["ticket"].startswith("mfaTotp:")
    lenient = await make_client(pat_skips_mfa=True)
    answer = (await lenient.post("/signin/pat", json={"personalAccessToken": pat["personalAccessToken"]})).json()
    assert answer["session"]["accessToken"]
