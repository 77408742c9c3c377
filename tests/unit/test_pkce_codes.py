"""The PKCE checks of services/exchange_codes.py (RFC 7636 S256), without a database."""

from __future__ import annotations

import pytest

from authward.errors import AuthError
from authward.services.exchange_codes import CODE_CHALLENGE_KEY, challenge_of, s256_matches, with_code_challenge

# RFC 7636 Appendix B
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_the_rfc_example_matches():
    assert s256_matches(VERIFIER, CHALLENGE)


@pytest.mark.parametrize("verifier", [
    VERIFIER[:-1] + "l",  # another verifier
    VERIFIER[:42],  # too short (RFC 7636 §4.1: 43..128)
    "a" * 129,  # too long
    VERIFIER[:-1] + "+",  # outside the unreserved alphabet
    VERIFIER + " ",
    "",
])
def test_other_verifiers_do_not(verifier):
    assert not s256_matches(verifier, CHALLENGE)


def test_the_plain_method_is_not_accepted():
    assert not s256_matches(CHALLENGE, CHALLENGE)  # a verifier equal to the challenge ("plain") fails S256


def test_a_ticket_payload_records_a_well_formed_challenge_only():
    assert with_code_challenge({"email": "a@example.com"}, None) == {"email": "a@example.com"}
    assert with_code_challenge(None, CHALLENGE) == {CODE_CHALLENGE_KEY: CHALLENGE}
    for bad in ("x" * 42, "x" * 44, CHALLENGE[:-1] + "="):
        with pytest.raises(AuthError) as refused:
            with_code_challenge({}, bad)
        assert refused.value.code.value == "invalid-request"
    assert challenge_of({CODE_CHALLENGE_KEY: CHALLENGE}) == CHALLENGE
    assert challenge_of({CODE_CHALLENGE_KEY: "short"}) is None
    assert challenge_of(None) is None and challenge_of({}) is None
