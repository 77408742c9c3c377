"""A disabled user's access tokens refused from the moment this process hears of it (security/revocations.py)."""

from __future__ import annotations

from authward.security.revocations import DELETED, DISABLED, HORIZON_SECONDS, SKEW_SECONDS, Revocations


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def claims(sub: str, iat: float) -> dict[str, object]:
    return {"sub": sub, "iat": int(iat)}


async def test_a_revoked_users_earlier_tokens_are_refused_with_the_reason() -> None:
    clock = Clock(1_000_000.0)
    revocations = Revocations(None, clock=clock)
    assert not revocations.shared
    assert revocations.refusal(claims("ada", clock.now)) is None
    await revocations.revoke_user("ada")
    await revocations.revoke_user("lin", DELETED)
    assert revocations.refusal(claims("ada", clock.now - 600)) == DISABLED
    assert revocations.refusal(claims("ada", clock.now)) == DISABLED
    assert revocations.refusal(claims("lin", clock.now)) == DELETED
    assert revocations.refusal(claims("grace", clock.now - 600)) is None  # another user
    assert revocations.refusal(claims("ada", clock.now + SKEW_SECONDS + 1)) is None  # issued after the cutoff


async def test_enabling_the_user_again_removes_the_cutoff() -> None:
    revocations = Revocations(None, clock=Clock(1_000_000.0))
    await revocations.revoke_user("ada")
    await revocations.restore_user("ada")
    assert revocations.refusal(claims("ada", 1_000_000.0)) is None  # as the routes that read the user row


async def test_a_cutoff_is_forgotten_once_every_token_it_refuses_has_expired() -> None:
    clock = Clock(1_000_000.0)
    revocations = Revocations(None, clock=clock)
    await revocations.revoke_user("ada")
    clock.now += HORIZON_SECONDS + SKEW_SECONDS + 1
    revocations._forget_old()
    assert revocations._cutoffs == {}
