"""The optional Have I Been Pwned check (k-anonymity range API) on every path that sets a password, against a
local range server, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from authward.services.tickets import TicketKind, TicketOwner
from authward.storage.models import User
from tests.integration.helpers import PASSWORD, assert_error, session_for, sign_up
from tests.receiver import HttpReceiver, running_receiver

BREACHED = "password1234567"  # listed by the local range server below
FRESH = "a fresh unlisted passphrase 9"


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


@pytest.fixture
def hibp() -> Iterator[HttpReceiver]:
    """A range API listing BREACHED (count 3) among padding lines (count 0) of the same prefix."""
    with running_receiver() as server:
        suffix = sha1(BREACHED)[5:]
        padding = [f"{'0' * 30}{i:05X}:0" for i in range(5)]
        server.answer_text(200, "\r\n".join([*padding[:2], f"{suffix}:3", *padding[2:]]))
        yield server


def settings_for(server: HttpReceiver, **extra):
    return {"password_hibp_enabled": True, "password_hibp_url": server.url, **extra}


async def test_off_by_default_nothing_is_asked(make_client, hibp):
    client = await make_client(password_hibp_url=hibp.url)
    assert (await sign_up(client, password=BREACHED)).status_code == 200
    assert hibp.requests == []


async def test_sign_up_refuses_a_breached_password_and_sends_only_a_prefix(make_client, hibp):
    client = await make_client(**settings_for(hibp), email_verification_required=False)
    assert_error(await sign_up(client, password=BREACHED), 400, "password-in-hibp-database")
    [asked] = hibp.requests
    assert asked.method == "GET" and asked.path == f"/range/{sha1(BREACHED)[:5]}"
    assert asked.headers["add-padding"] == "true"
    assert sha1(BREACHED)[5:] not in asked.path and BREACHED not in asked.path
    assert (await sign_up(client, password=FRESH)).status_code == 200


async def test_a_padding_line_of_the_same_suffix_is_not_a_breach(make_client, hibp):
    """Padding lines carry a count of 0: a password whose suffix only appears there is accepted."""
    client = await make_client(**settings_for(hibp), email_verification_required=False)
    hibp.answer_text(200, f"{sha1(FRESH)[5:]}:0\r\n{'F' * 35}:7")
    assert (await sign_up(client, password=FRESH)).status_code == 200


async def test_change_reset_and_deanonymize_are_checked(make_client, hibp):
    client = await make_client(**settings_for(hibp), email_verification_required=False, anonymous_users_enabled=True)
    session = await session_for(client)
    auth = {"authorization": f"Bearer {session['accessToken']}"}
    assert_error(await client.post("/v1/user/password", json={"newPassword": BREACHED}, headers=auth), 400,
                 "password-in-hibp-database")
    # the password did not change
    assert (await client.post("/v1/signin/email-password",
                              json={"email": "ada@example.com", "password": PASSWORD})).status_code == 200
    anonymous = (await client.post("/v1/signin/anonymous", json={})).json()["session"]
    deanonymize = await client.post("/v1/user/deanonymize", headers={"authorization": f"Bearer "
                                                                                       f"{anonymous['accessToken']}"},
                                    json={"signInMethod": "email-password", "email": "anon@example.com",
                                          "password": BREACHED})
    assert_error(deanonymize, 400, "password-in-hibp-database")
    # a reset ticket with a breached password: refused, and the ticket still works with a good one
    async with client.core.db.write() as s:
        user = (await s.scalars(select(User).where(User.email == "ada@example.com"))).one()
        ticket = await client.core.tickets.issue(s, TicketKind.PASSWORD_RESET, 600, TicketOwner(user.id))
    assert_error(await client.post("/v1/user/password", json={"newPassword": BREACHED, "ticket": ticket}), 400,
                 "password-in-hibp-database")
    assert (await client.post("/v1/user/password", json={"newPassword": FRESH, "ticket": ticket})).status_code == 200


async def test_an_unreachable_api_fails_open_with_a_warning(make_client, caplog):
    with running_receiver() as down:
        url = down.url
    client = await make_client(password_hibp_enabled=True, password_hibp_url=url, password_hibp_timeout_seconds=1,
                               email_verification_required=False)
    with caplog.at_level(logging.WARNING, logger="authward"):
        assert (await sign_up(client, password=BREACHED)).status_code == 200
    assert any("breached-password check unavailable" in r.getMessage() for r in caplog.records)
    assert not any(BREACHED in r.getMessage() for r in caplog.records)


async def test_fail_closed_refuses_when_the_api_errs(make_client, hibp):
    hibp.answer_text(500, "oops")
    client = await make_client(**settings_for(hibp, password_hibp_fail_closed=True), email_verification_required=False)
    assert_error(await sign_up(client, password=FRESH), 503, "internal-server-error")
