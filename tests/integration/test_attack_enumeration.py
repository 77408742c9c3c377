"""Enumeration: a known and an unknown account get the same status, the same body and the same time, for
password sign-in, reset, the passwordless starts (magic link, email code) and sign-ups, and the phone starts.

Timing: known and unknown requests are interleaved (so load from elsewhere falls on both alike) and their
medians must lie within 10% of each other, over TRIES pairs (`make test-long`: LONG_TRIES). The password
check runs with the real argon2id parameters (19 MiB, t=2): with them the hash dominates a sign-in, as in
production, and an unknown address must still pay for one (the dummy hash of security/passwords.py) -
remove it and the unknown medians drop to a fraction of the known ones. Work that depends on who is
registered runs after the answer (mail) or is the same for both (an SMS code to either kind of number).

Password sign-up answers `email-already-in-use` for a known address: the Nhost contract (nhost-js shows it),
the one documented exception (docs/security.md), bounded by the per-IP sign-up limit and the captcha.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from authward.services.users import ProfileOptions, new_user
from tests.integration.helpers import PASSWORD, sign_up

pytestmark = pytest.mark.serial  # timing within 10%: measured alone, not beside the parallel workers

TRIES = 200
LONG_TRIES = 1000
REAL_ARGON2 = {"password_hash_time_cost": 2, "password_hash_memory_kib": 19_456}
Request = Callable[[int], Awaitable[httpx.Response]]


def answer_of(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json()


async def compare(known: Request, unknown: Request, tries: int, *, drain: Callable[[], Awaitable[None]],
                  timing: bool = True) -> None:
    """Same answers; timing within 10% (the median gap of each try's pair against the slower median). Each
    request gets its index (a fresh address or number when needed)."""
    await known(-1)
    await unknown(-1)  # warm both paths (the dummy hash is made on first use)
    known_times: list[float] = []
    unknown_times: list[float] = []
    answers: set[tuple[str, int, str]] = set()
    pair = (("known", known, known_times), ("unknown", unknown, unknown_times))
    for i in range(tries):
        for kind, request, times in (pair if i % 2 else pair[::-1]):  # alternate which goes first
            start = time.perf_counter()
            response = await request(i)
            times.append(time.perf_counter() - start)
            # The work a request leaves behind (a mail for a known address) runs after its answer: let it
            # finish before the next request, which it would slow down in process (docs/security.md).
            await drain()
            status, body = answer_of(response)
            answers.add((kind, status, repr(body)))
    by_kind = {kind: (status, body) for kind, status, body in answers}
    assert len(answers) == 2 and by_kind["known"] == by_kind["unknown"], answers
    if timing:
        # Paired: each known request is compared with the unknown one beside it (same try), so a slow phase of
        # the machine (a neighbour's burst, a collection) weighs on both sides alike instead of on one median.
        slow = max(statistics.median(known_times), statistics.median(unknown_times))
        gap = statistics.median(k - u for k, u in zip(known_times, unknown_times, strict=True))
        assert abs(gap) <= 0.10 * slow, (f"known median {statistics.median(known_times) * 1000:.2f} ms, "
                                         f"unknown {statistics.median(unknown_times) * 1000:.2f} ms, "
                                         f"paired gap {gap * 1000:.3f} ms")


async def register(client, rows: list[dict[str, Any]]) -> None:
    """Users with these columns, written directly: only their existence matters."""
    async with client.core.db.write() as s:
        for columns in rows:
            user = new_user(client.core.settings, ProfileOptions(), email=columns.get("email"))
            for name, value in columns.items():
                setattr(user, name, value)
            s.add(user)


async def registered_numbers(client, count: int, prefix: str) -> list[str]:
    """`count` + 1 users with distinct numbers (+1 415 555 xxxx)."""
    numbers = [f"+1415{prefix}{i:04d}" for i in range(count + 1)]
    await register(client, [{"phone_number": number} for number in numbers])
    return numbers


async def registered_emails(client, count: int) -> list[str]:
    """`count` + 1 users with distinct verified addresses."""
    emails = [f"known-{i}@example.com" for i in range(count + 1)]
    await register(client, [{"email": email, "email_verified": True} for email in emails])
    return emails


@pytest.fixture(params=[pytest.param(TRIES, id="fast"), pytest.param(LONG_TRIES, id="long", marks=pytest.mark.long)])
def tries(request: pytest.FixtureRequest) -> int:
    return int(request.param)


async def test_password_sign_in(make_client, tries):
    client = await make_client(**REAL_ARGON2, email_verification_required=False)
    assert (await sign_up(client, "known@example.com")).status_code == 200

    def attempt(email: str) -> Request:
        return lambda _: client.post("/v1/signin/email-password", json={"email": email, "password": "wrong " * 3})

    await compare(attempt("known@example.com"), attempt("unknown@example.com"), tries, drain=client.core.background.drain)


async def test_password_reset(make_client, tries):
    client = await make_client(email_verification_required=False)
    await sign_up(client, "known@example.com")

    def reset(email: str) -> Request:
        return lambda _: client.post("/v1/user/password/reset", json={"email": email})

    await compare(reset("known@example.com"), reset("unknown@example.com"), tries, drain=client.core.background.drain)


@pytest.mark.parametrize("path", ["/v1/signin/passwordless/email", "/v1/signin/otp/email", "/v1/signup/otp/email",
                                  "/v1/signup/passwordless/email"])
async def test_passwordless_email_starts(make_client, tries, path):
    """A fresh address each try, so every start issues and mails its code (one address would reach its
    hourly cap halfway, and the medians would fall between the sent and the capped answers)."""
    client = await make_client(email_verification_required=False)
    known = await registered_emails(client, tries)
    unknown = [f"unknown-{i}@example.com" for i in range(tries + 1)]

    def start(emails: list[str]) -> Request:
        return lambda i: client.post(path, json={"email": emails[i]})

    await compare(start(known), start(unknown), tries, drain=client.core.background.drain)


@pytest.mark.parametrize("path", ["/v1/signin/passwordless/sms", "/v1/signup/passwordless/sms"])
async def test_phone_starts(make_client, tries, path):
    client = await make_client(sms_passwordless_enabled=True, sms_otp_resend_interval=0)
    known = await registered_numbers(client, tries, "555")
    unknown = [f"+1415666{i:04d}" for i in range(tries + 1)]

    def start(numbers: list[str]) -> Request:
        return lambda i: client.post(path, json={"phoneNumber": numbers[i]})

    await compare(start(known), start(unknown), tries, drain=client.core.background.drain)


async def test_phone_start_with_auto_sign_up_off_answers_the_same(make_client):
    """Nothing is sent to an unknown number then: the answer is the same, its time is not (docs/security.md)."""
    client = await make_client(sms_passwordless_enabled=True, sms_otp_resend_interval=0, disable_auto_signup=True)
    known = await registered_numbers(client, 20, "555")
    unknown = [f"+1415666{i:04d}" for i in range(21)]

    def start(numbers: list[str]) -> Request:
        return lambda i: client.post("/v1/signin/passwordless/sms", json={"phoneNumber": numbers[i]})

    await compare(start(known), start(unknown), 20, drain=client.core.background.drain, timing=False)


async def test_password_sign_up_of_a_known_address_is_the_documented_exception(make_client):
    client = await make_client(email_verification_required=False)
    await sign_up(client, "known@example.com")
    taken = await sign_up(client, "known@example.com")
    fresh = await sign_up(client, f"{uuid.uuid4().hex}@example.com")
    assert (taken.status_code, taken.json()["error"]) == (409, "email-already-in-use")
    assert fresh.status_code == 200
    assert PASSWORD
