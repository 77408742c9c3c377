"""services/tickets.py without HTTP, on SQLite and PostgreSQL: issue, peek, redeem, codes, owners.

Time is a mutable clock given to the service, so expiry is tested without sleeping.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from authward.errors import AuthError, ErrorCode
from authward.security.codes import CodeHasher
from authward.services.tickets import TicketOwner, TicketService, kind_of
from authward.storage.db import Database
from authward.storage.models import Ticket, User
from authward.storage.repos import users as users_repo
from authward.storage.ticket_kinds import CODE_KINDS, TicketKind
from tests.integration.storage.rows import new_user

CODE_KEY = b"k" * 32
ALICE_MAIL = "alice@example.com"
BOB_MAIL = "bob@example.com"
ALICE_PHONE = "+14155550100"
TTL = 600
BEARER_KINDS = [kind for kind in TicketKind if kind not in CODE_KINDS]


def hash_ticket(ticket: str) -> str:
    """What the database keeps of a bearer ticket: the SHA-256 of the whole string, kind included."""
    return hashlib.sha256(ticket.encode()).hexdigest()


class MutableClock:
    """What time the service sees; tests move it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class RolledBack(Exception):
    """Raised to leave a unit of work without committing it."""


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def service(clock: MutableClock) -> TicketService:
    return TicketService(code_key=CODE_KEY, clock=clock)


@pytest.fixture
async def alice(db: Database) -> User:
    async with db.write() as session:
        return await users_repo.add(session, new_user(email=ALICE_MAIL))


@pytest.fixture
async def bob(db: Database) -> User:
    async with db.write() as session:
        return await users_repo.add(session, new_user(email=BOB_MAIL))


async def issue(db: Database, service: TicketService, kind: TicketKind, owner: TicketOwner, ttl: int = TTL,
                payload: dict[str, Any] | None = None) -> str:
    async with db.write() as session:
        return await service.issue(session, kind, ttl, owner, payload)


async def store_code(db: Database, service: TicketService, code: str, address: str = ALICE_MAIL,
                     kind: TicketKind = TicketKind.EMAIL_OTP, ttl: int = TTL, user_id: uuid.UUID | None = None,
                     payload: dict[str, Any] | None = None) -> None:
    async with db.write() as session:
        await service.store_code(session, kind, ttl, TicketOwner(user_id, address), code, payload)


async def redeem(db: Database, service: TicketService, ticket: str, *kinds: TicketKind) -> Ticket:
    async with db.write() as session:
        return await service.redeem(session, ticket, kinds)


async def redeem_code(db: Database, service: TicketService, code: str, address: str = ALICE_MAIL,
                      kind: TicketKind = TicketKind.EMAIL_OTP, max_attempts: int = 5) -> Ticket | AuthError:
    """In its own unit of work, committed even when the answer is an error (as the callers do)."""
    async with db.write() as session:
        return await service.redeem_code(session, kind, code, max_attempts, address)


async def all_tickets(db: Database) -> list[Ticket]:
    async with db.read() as session:
        return list((await session.scalars(select(Ticket).order_by(Ticket.created_at))).all())


async def by_hash(db: Database, ticket: str) -> Ticket:
    async with db.read() as session:
        row = (await session.scalars(select(Ticket).where(Ticket.secret_hash == hash_ticket(ticket)))).one()
    return row


def assert_code(outcome: object, code: ErrorCode) -> None:
    assert isinstance(outcome, AuthError), outcome
    assert outcome.code == code


# -- issue


@pytest.mark.parametrize("kind", BEARER_KINDS)
async def test_issue_returns_the_kind_and_256_random_bits(
    db: Database, service: TicketService, alice: User, kind: TicketKind
) -> None:
    first = await issue(db, service, kind, TicketOwner(alice.id))
    second = await issue(db, service, kind, TicketOwner(alice.id))
    assert re.fullmatch(rf"{re.escape(kind.value)}:[A-Za-z0-9_-]{{43}}", first)
    assert first != second
    assert kind_of(first) is kind


async def test_issue_stores_only_the_hash(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id, ALICE_MAIL), ttl=900,
                         payload={"redirectTo": "https://app.example.com/reset"})
    [row] = await all_tickets(db)
    assert row.secret_hash == hash_ticket(ticket)
    assert (row.kind, row.user_id, row.owner) == ("passwordReset", alice.id, ALICE_MAIL)
    assert (row.created_at, row.expires_at) == (clock.now, clock.now + timedelta(seconds=900))
    assert (row.consumed_at, row.attempts, row.payload) == (None, 0, {"redirectTo": "https://app.example.com/reset"})
    secret = ticket.partition(":")[2]
    async with db.read() as session:
        raw = (await session.execute(text("SELECT * FROM tickets"))).one()
    for value in raw:
        assert secret not in str(value)


@pytest.mark.parametrize("kind", sorted(CODE_KINDS))
async def test_issue_refuses_a_code_kind(db: Database, service: TicketService, alice: User, kind: TicketKind) -> None:
    with pytest.raises(ValueError, match="issue_code"):
        await issue(db, service, kind, TicketOwner(alice.id, ALICE_MAIL))
    assert await all_tickets(db) == []


async def test_codes_need_a_code_kind_and_an_address(db: Database, service: TicketService, alice: User) -> None:
    async with db.write() as session:
        with pytest.raises(ValueError, match="code kind"):
            await service.issue_code(session, TicketKind.PASSWORD_RESET, TTL, TicketOwner(alice.id, ALICE_MAIL))
        with pytest.raises(ValueError, match="address"):
            await service.issue_code(session, TicketKind.EMAIL_OTP, TTL, TicketOwner(alice.id))
        with pytest.raises(ValueError, match="address"):
            await service.store_code(session, TicketKind.SMS_OTP, TTL, TicketOwner(alice.id), "123456")
    assert await all_tickets(db) == []


async def test_an_issue_is_undone_with_its_unit_of_work(db: Database, service: TicketService, alice: User) -> None:
    with pytest.raises(RolledBack):
        async with db.write() as session:
            ticket = await service.issue(session, TicketKind.VERIFY_EMAIL, TTL, TicketOwner(alice.id))
            raise RolledBack
    with pytest.raises(AuthError) as refused:
        await redeem(db, service, ticket, TicketKind.VERIFY_EMAIL)
    assert refused.value.code == ErrorCode.INVALID_TICKET


# -- peek, redeem


async def test_peek_returns_the_live_ticket_without_using_it(
    db: Database, service: TicketService, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), payload={"email": ALICE_MAIL})
    for lock in (False, True):
        async with db.write() as session:
            row = await service.peek(session, ticket, [TicketKind.VERIFY_EMAIL], lock=lock)
            assert (row.user_id, row.payload, row.consumed_at) == (alice.id, {"email": ALICE_MAIL}, None)
    row = await redeem(db, service, ticket, TicketKind.VERIFY_EMAIL)
    assert row.user_id == alice.id


async def test_redeem_uses_a_ticket_once(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id), payload={"a": 1})
    clock.advance(5)
    row = await redeem(db, service, ticket, TicketKind.VERIFY_EMAIL, TicketKind.PASSWORD_RESET)
    assert (row.user_id, row.kind, row.payload) == (alice.id, "passwordReset", {"a": 1})
    assert (await by_hash(db, ticket)).consumed_at == clock.now
    with pytest.raises(AuthError) as refused:
        await redeem(db, service, ticket, TicketKind.PASSWORD_RESET)
    assert refused.value.code == ErrorCode.INVALID_TICKET
    assert (await by_hash(db, ticket)).consumed_at == clock.now


async def test_a_redemption_is_undone_with_its_unit_of_work(db: Database, service: TicketService, alice: User) -> None:
    ticket = await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id))
    with pytest.raises(RolledBack):
        async with db.write() as session:
            await service.redeem(session, ticket, [TicketKind.VERIFY_EMAIL])
            raise RolledBack
    assert (await redeem(db, service, ticket, TicketKind.VERIFY_EMAIL)).user_id == alice.id


def _unknown(ticket: str) -> str:
    return f"{TicketKind.PASSWORD_RESET.value}:{'A' * 43}"


def _wrong_kind(ticket: str) -> str:
    return ticket  # a passwordReset ticket, presented for VERIFY_EMAIL


def _relabelled(ticket: str) -> str:
    return f"{TicketKind.VERIFY_EMAIL.value}:{ticket.partition(':')[2]}"  # the kind is part of the hash


REFUSED = {
    "unknown": _unknown,
    "wrong-kind": _wrong_kind,
    "relabelled": _relabelled,
    "no-kind": lambda ticket: ticket.partition(":")[2],
    "unknown-kind": lambda ticket: f"resetPassword:{ticket.partition(':')[2]}",
    "code-kind": lambda ticket: f"{TicketKind.EMAIL_OTP.value}:{ticket.partition(':')[2]}",
    "too-long": lambda ticket: ticket + "A" * 128,
    "empty": lambda ticket: "",
}


@pytest.mark.parametrize("how", REFUSED)
async def test_peek_and_redeem_refuse_what_was_not_issued_for_the_kind(
    db: Database, service: TicketService, alice: User, how: str
) -> None:
    ticket = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id))
    presented = REFUSED[how](ticket)
    kinds = [TicketKind.VERIFY_EMAIL, TicketKind.EMAIL_OTP]
    async with db.write() as session:
        with pytest.raises(AuthError) as peeked:
            await service.peek(session, presented, kinds)
        with pytest.raises(AuthError) as redeemed:
            await service.redeem(session, presented, kinds)
    assert (peeked.value.code, redeemed.value.code) == (ErrorCode.INVALID_TICKET, ErrorCode.INVALID_TICKET)
    assert (await redeem(db, service, ticket, TicketKind.PASSWORD_RESET)).user_id == alice.id  # still good


async def test_peek_and_redeem_refuse_an_expired_ticket(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), ttl=60)
    clock.advance(59)
    async with db.read() as session:
        assert (await service.peek(session, ticket, [TicketKind.VERIFY_EMAIL])).user_id == alice.id
    clock.advance(1)  # expires_at itself is too late
    async with db.write() as session:
        with pytest.raises(AuthError) as peeked:
            await service.peek(session, ticket, [TicketKind.VERIFY_EMAIL])
        with pytest.raises(AuthError) as redeemed:
            await service.redeem(session, ticket, [TicketKind.VERIFY_EMAIL])
    assert (peeked.value.code, redeemed.value.code) == (ErrorCode.INVALID_TICKET, ErrorCode.INVALID_TICKET)
    assert (await by_hash(db, ticket)).consumed_at is None


async def test_peek_refuses_a_used_ticket(db: Database, service: TicketService, alice: User) -> None:
    ticket = await issue(db, service, TicketKind.EMAIL_CONFIRM_CHANGE, TicketOwner(alice.id, "new@example.com"))
    await redeem(db, service, ticket, TicketKind.EMAIL_CONFIRM_CHANGE)
    async with db.read() as session:
        with pytest.raises(AuthError) as peeked:
            await service.peek(session, ticket, [TicketKind.EMAIL_CONFIRM_CHANGE])
    assert peeked.value.code == ErrorCode.INVALID_TICKET


async def test_concurrent_redemptions_have_one_winner(db: Database, service: TicketService, alice: User) -> None:
    ticket = await issue(db, service, TicketKind.PASSWORDLESS_EMAIL, TicketOwner(alice.id))

    async def attempt() -> Ticket | AuthError:
        try:
            return await redeem(db, service, ticket, TicketKind.PASSWORDLESS_EMAIL)
        except AuthError as exc:
            return exc

    outcomes = await asyncio.gather(*(attempt() for _ in range(10)))
    winners = [o for o in outcomes if isinstance(o, Ticket)]
    assert len(winners) == 1 and winners[0].user_id == alice.id
    assert {o.code for o in outcomes if isinstance(o, AuthError)} == {ErrorCode.INVALID_TICKET}


# -- redeem_checked (an MFA ticket and its code)


class Check:
    """A check that passes or fails as told, and remembers what it saw."""

    def __init__(self, passes: bool) -> None:
        self.passes = passes
        self.seen: list[Ticket] = []

    async def __call__(self, row: Ticket) -> str | AuthError:
        self.seen.append(row)
        return "signed-in" if self.passes else AuthError(ErrorCode.INVALID_TOTP)


async def redeem_checked(db: Database, service: TicketService, ticket: str, check: Check,
                         kind: TicketKind = TicketKind.MFA_TOTP, max_attempts: int = 3) -> str | AuthError:
    async with db.write() as session:
        return await service.redeem_checked(session, ticket, kind, max_attempts, check)


async def test_redeem_checked_a_failing_check_costs_an_attempt_and_does_not_consume(
    db: Database, service: TicketService, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id), payload={"amr": ["pwd"]})
    failing = Check(passes=False)
    assert_code(await redeem_checked(db, service, ticket, failing), ErrorCode.INVALID_TOTP)
    assert [(row.user_id, row.payload) for row in failing.seen] == [(alice.id, {"amr": ["pwd"]})]
    row = await by_hash(db, ticket)
    assert (row.attempts, row.consumed_at) == (1, None)
    assert await redeem_checked(db, service, ticket, Check(passes=True)) == "signed-in"


async def test_redeem_checked_reaching_max_attempts_is_too_many_attempts(
    db: Database, service: TicketService, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id))
    for _ in range(3):
        assert_code(await redeem_checked(db, service, ticket, Check(passes=False)), ErrorCode.INVALID_TOTP)
    passing = Check(passes=True)
    assert_code(await redeem_checked(db, service, ticket, passing), ErrorCode.OTP_TOO_MANY_ATTEMPTS)
    assert passing.seen == []  # not even asked
    row = await by_hash(db, ticket)
    assert (row.attempts, row.consumed_at) == (3, None)


async def test_redeem_checked_a_passing_check_consumes(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id))
    clock.advance(10)
    assert await redeem_checked(db, service, ticket, Check(passes=True)) == "signed-in"
    row = await by_hash(db, ticket)
    assert (row.attempts, row.consumed_at) == (0, clock.now)
    again = Check(passes=True)
    assert_code(await redeem_checked(db, service, ticket, again), ErrorCode.INVALID_TICKET)
    assert again.seen == []


async def test_redeem_checked_returns_the_invalid_ticket_error(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id), ttl=60)
    reset = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id))
    check = Check(passes=True)
    assert_code(await redeem_checked(db, service, reset, check), ErrorCode.INVALID_TICKET)  # wrong kind
    assert_code(await redeem_checked(db, service, "mfaTotp:nope", check), ErrorCode.INVALID_TICKET)
    clock.advance(60)
    assert_code(await redeem_checked(db, service, ticket, check), ErrorCode.INVALID_TICKET)  # expired
    assert check.seen == []


async def test_concurrent_checked_redemptions_have_one_winner(
    db: Database, service: TicketService, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id))
    outcomes = await asyncio.gather(*(redeem_checked(db, service, ticket, Check(passes=True)) for _ in range(5)))
    assert outcomes.count("signed-in") == 1
    assert {o.code for o in outcomes if isinstance(o, AuthError)} == {ErrorCode.INVALID_TICKET}


async def test_concurrent_failing_checks_count_every_attempt(
    db: Database, service: TicketService, alice: User
) -> None:
    ticket = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id))
    outcomes = await asyncio.gather(
        *(redeem_checked(db, service, ticket, Check(passes=False), max_attempts=3) for _ in range(6))
    )
    codes = sorted(o.code for o in outcomes if isinstance(o, AuthError))
    assert codes == sorted([ErrorCode.INVALID_TOTP] * 3 + [ErrorCode.OTP_TOO_MANY_ATTEMPTS] * 3)
    assert (await by_hash(db, ticket)).attempts == 3


# -- codes


async def test_issue_code_is_six_digits_stored_as_a_keyed_hmac(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    async with db.write() as session:
        code = await service.issue_code(session, TicketKind.SMS_OTP, 300, TicketOwner(alice.id, ALICE_PHONE),
                                        {"phone": ALICE_PHONE})
    assert re.fullmatch(r"\d{6}", code)
    [row] = await all_tickets(db)
    assert (row.kind, row.user_id, row.owner, row.payload) == ("otpSms", alice.id, ALICE_PHONE, {"phone": ALICE_PHONE})
    assert row.secret_hash == CodeHasher(CODE_KEY).digest(row.id, ALICE_PHONE, code)
    assert row.secret_hash != CodeHasher(b"x" * 32).digest(row.id, ALICE_PHONE, code)
    assert row.expires_at == clock.now + timedelta(seconds=300)
    redeemed = await redeem_code(db, service, code, ALICE_PHONE, TicketKind.SMS_OTP)
    assert isinstance(redeemed, Ticket) and redeemed.id == row.id


async def test_a_new_code_retires_the_owners_earlier_codes_of_that_kind(
    db: Database, service: TicketService, clock: MutableClock
) -> None:
    await store_code(db, service, "111111")
    await store_code(db, service, "333333", kind=TicketKind.SMS_OTP)  # another kind
    await store_code(db, service, "444444", address=BOB_MAIL)  # another owner
    clock.advance(1)
    await store_code(db, service, "222222")
    rows = {(row.kind, row.owner, row.created_at): row for row in await all_tickets(db)}
    assert rows[("otpEmail", ALICE_MAIL, clock.now - timedelta(seconds=1))].consumed_at == clock.now
    assert_code(await redeem_code(db, service, "111111"), ErrorCode.INVALID_OTP)
    assert isinstance(await redeem_code(db, service, "222222"), Ticket)
    assert isinstance(await redeem_code(db, service, "333333", kind=TicketKind.SMS_OTP), Ticket)
    assert isinstance(await redeem_code(db, service, "444444", address=BOB_MAIL), Ticket)


async def test_issue_code_twice_leaves_one_live_code(db: Database, service: TicketService) -> None:
    async with db.write() as session:
        first = await service.issue_code(session, TicketKind.EMAIL_OTP, TTL, TicketOwner(address=ALICE_MAIL))
    async with db.write() as session:
        second = await service.issue_code(session, TicketKind.EMAIL_OTP, TTL, TicketOwner(address=ALICE_MAIL))
    assert [row.consumed_at is None for row in await all_tickets(db)] == [False, True]
    if first != second:
        assert_code(await redeem_code(db, service, first), ErrorCode.INVALID_OTP)
    assert isinstance(await redeem_code(db, service, second), Ticket)


async def test_redeem_code_with_the_right_code(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    await store_code(db, service, "123456", user_id=alice.id, payload={"email": ALICE_MAIL})
    clock.advance(30)
    row = await redeem_code(db, service, "123456")
    assert isinstance(row, Ticket)
    assert (row.user_id, row.owner, row.payload) == (alice.id, ALICE_MAIL, {"email": ALICE_MAIL})
    [stored] = await all_tickets(db)
    assert (stored.consumed_at, stored.attempts) == (clock.now, 1)
    assert_code(await redeem_code(db, service, "123456"), ErrorCode.INVALID_OTP)  # used


async def test_redeem_code_with_a_wrong_code_returns_the_error_and_counts_it(
    db: Database, service: TicketService
) -> None:
    await store_code(db, service, "123456")
    outcome = await redeem_code(db, service, "654321")
    assert_code(outcome, ErrorCode.INVALID_OTP)
    [stored] = await all_tickets(db)
    assert (stored.attempts, stored.consumed_at) == (1, None)
    assert isinstance(await redeem_code(db, service, "123456"), Ticket)


async def test_redeem_code_refuses_an_expired_code(
    db: Database, service: TicketService, clock: MutableClock
) -> None:
    await store_code(db, service, "123456", ttl=60)
    clock.advance(60)
    assert_code(await redeem_code(db, service, "123456"), ErrorCode.INVALID_OTP)
    [stored] = await all_tickets(db)
    assert (stored.attempts, stored.consumed_at) == (0, None)


async def test_redeem_code_stops_after_max_attempts(db: Database, service: TicketService) -> None:
    await store_code(db, service, "123456")
    for wrong in ("000000", "000001", "000002"):
        assert_code(await redeem_code(db, service, wrong, max_attempts=3), ErrorCode.INVALID_OTP)
    assert_code(await redeem_code(db, service, "123456", max_attempts=3), ErrorCode.OTP_TOO_MANY_ATTEMPTS)
    [stored] = await all_tickets(db)
    assert (stored.attempts, stored.consumed_at) == (3, None)


async def test_redeem_code_attempts_are_counted_only_when_the_caller_commits(
    db: Database, service: TicketService
) -> None:
    await store_code(db, service, "123456")
    with pytest.raises(RolledBack):
        async with db.write() as session:
            assert_code(await service.redeem_code(session, TicketKind.EMAIL_OTP, "000000", 5, ALICE_MAIL),
                        ErrorCode.INVALID_OTP)
            raise RolledBack
    assert [row.attempts for row in await all_tickets(db)] == [0]


async def test_a_code_is_bound_to_its_address(db: Database, service: TicketService) -> None:
    await store_code(db, service, "123456", address=ALICE_MAIL)
    await store_code(db, service, "654321", address=BOB_MAIL)
    assert_code(await redeem_code(db, service, "123456", address=BOB_MAIL), ErrorCode.INVALID_OTP)
    assert_code(await redeem_code(db, service, "123456", address="carol@example.com"), ErrorCode.INVALID_OTP)
    assert_code(await redeem_code(db, service, "123456", address=ALICE_MAIL.upper()), ErrorCode.INVALID_OTP)
    assert_code(await redeem_code(db, service, "123456", kind=TicketKind.SMS_OTP), ErrorCode.INVALID_OTP)
    alices = await redeem_code(db, service, "123456", address=ALICE_MAIL)
    assert isinstance(alices, Ticket) and alices.owner == ALICE_MAIL
    bobs = await redeem_code(db, service, "654321", address=BOB_MAIL)
    assert isinstance(bobs, Ticket) and bobs.owner == BOB_MAIL


async def test_a_code_is_not_a_bearer_ticket(db: Database, service: TicketService) -> None:
    await store_code(db, service, "123456")
    async with db.read() as session:
        for presented in ("123456", "otpEmail:123456"):
            with pytest.raises(AuthError) as refused:
                await service.peek(session, presented, list(TicketKind))
            assert refused.value.code == ErrorCode.INVALID_TICKET


async def test_concurrent_redemptions_of_a_code_have_one_winner(db: Database, service: TicketService) -> None:
    await store_code(db, service, "123456")
    outcomes = await asyncio.gather(*(redeem_code(db, service, "123456") for _ in range(5)))
    assert len([o for o in outcomes if isinstance(o, Ticket)]) == 1
    # A loser made one guess of five: it is told the code is no longer valid, never "too many attempts"
    # (on PostgreSQL its claim waits for the winner's commit and then finds the code used).
    losers = [o for o in outcomes if not isinstance(o, Ticket)]
    assert len(losers) == 4 and {o.code for o in losers if isinstance(o, AuthError)} == {ErrorCode.INVALID_OTP}


# -- by owner


async def test_issued_since_counts_per_owner_in_the_window_newest_first(
    db: Database, service: TicketService, clock: MutableClock, alice: User, bob: User
) -> None:
    start = clock.now
    for _ in range(3):
        await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id))
        clock.advance(10)
    await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(bob.id))
    await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id))
    await store_code(db, service, "123456", address=ALICE_MAIL)
    clock.advance(5)  # now: start + 35
    async with db.read() as session:
        assert await service.issued_since(session, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), 25) == [
            start + timedelta(seconds=20), start + timedelta(seconds=10)]
        assert len(await service.issued_since(session, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), 35)) == 3
        assert await service.issued_since(session, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), 4) == []
        assert await service.issued_since(session, TicketKind.VERIFY_EMAIL, TicketOwner(bob.id), 35) == [
            start + timedelta(seconds=30)]
        assert await service.issued_since(session, TicketKind.EMAIL_OTP, TicketOwner(address=ALICE_MAIL), 60) == [
            start + timedelta(seconds=30)]
        # an owner with an address is counted by the address
        assert await service.issued_since(session, TicketKind.VERIFY_EMAIL,
                                          TicketOwner(alice.id, ALICE_MAIL), 60) == []
        with pytest.raises(ValueError, match="owner"):
            await service.issued_since(session, TicketKind.VERIFY_EMAIL, TicketOwner(), 60)


async def test_retire_uses_up_the_outstanding_tickets_of_a_kind_of_an_owner(
    db: Database, service: TicketService, clock: MutableClock, alice: User, bob: User
) -> None:
    mine = [await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id)) for _ in range(2)]
    used = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id))
    await redeem(db, service, used, TicketKind.PASSWORD_RESET)
    other_kind = await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id))
    theirs = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(bob.id))
    clock.advance(1)
    async with db.write() as session:
        assert await service.retire(session, TicketKind.PASSWORD_RESET, TicketOwner(alice.id)) == 2
    for ticket in mine:
        assert (await by_hash(db, ticket)).consumed_at == clock.now
        with pytest.raises(AuthError):
            await redeem(db, service, ticket, TicketKind.PASSWORD_RESET)
    assert (await by_hash(db, used)).consumed_at == clock.now - timedelta(seconds=1)
    assert (await redeem(db, service, other_kind, TicketKind.VERIFY_EMAIL)).user_id == alice.id
    assert (await redeem(db, service, theirs, TicketKind.PASSWORD_RESET)).user_id == bob.id
    async with db.write() as session:
        assert await service.retire(session, TicketKind.PASSWORD_RESET, TicketOwner(alice.id)) == 0


async def test_retire_codes_by_address(db: Database, service: TicketService) -> None:
    await store_code(db, service, "123456")
    async with db.write() as session:
        assert await service.retire(session, TicketKind.EMAIL_OTP, TicketOwner(address=ALICE_MAIL)) == 1
    assert_code(await redeem_code(db, service, "123456"), ErrorCode.INVALID_OTP)


async def test_prune_removes_only_long_dead_tickets(
    db: Database, service: TicketService, clock: MutableClock, alice: User
) -> None:
    day = 86_400
    expired_long_ago = await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), ttl=60)
    used_long_ago = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id), ttl=3600)
    old_but_live = await issue(db, service, TicketKind.PASSWORDLESS_EMAIL, TicketOwner(alice.id), ttl=7 * day)
    clock.advance(10)
    await redeem(db, service, used_long_ago, TicketKind.PASSWORD_RESET)
    clock.advance(2 * day)
    expired_lately = await issue(db, service, TicketKind.VERIFY_EMAIL, TicketOwner(alice.id), ttl=60)
    used_lately = await issue(db, service, TicketKind.PASSWORD_RESET, TicketOwner(alice.id), ttl=3600)
    live = await issue(db, service, TicketKind.MFA_TOTP, TicketOwner(alice.id), ttl=300)
    clock.advance(10)
    await redeem(db, service, used_lately, TicketKind.PASSWORD_RESET)
    clock.advance(3600)
    async with db.write() as session:
        assert await service.prune(session) == 2
    left = {row.secret_hash for row in await all_tickets(db)}
    assert left == {hash_ticket(t) for t in (old_but_live, expired_lately, used_lately, live)}
    assert hash_ticket(expired_long_ago) not in left
    async with db.write() as session:
        assert await service.prune(session) == 0
        assert await service.prune(session, keep_seconds=60) == 3  # all but the old, live one
    assert {row.secret_hash for row in await all_tickets(db)} == {hash_ticket(old_but_live)}


# -- helpers of the module


def test_kind_of() -> None:
    assert kind_of("passwordReset:abc") is TicketKind.PASSWORD_RESET
    assert kind_of("otpSms:123456") is TicketKind.SMS_OTP
    assert kind_of("passwordReset") is None
    assert kind_of("resetPassword:abc") is None
    assert kind_of("") is None
