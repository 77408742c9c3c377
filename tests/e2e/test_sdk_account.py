"""The SDK's email, SMS, anonymous and PAT flows against the real server process, on both databases.

One server per database for the module: mail goes to a real SMTP sink (tests/mail_sink.py), texts to
the dev outbox (provider `log`, `GET /dev/outbox`), email verification is required (the product
default). Each test reads the message, follows the link or types the code, and checks the session
the client keeps. Mail flows run on `AsyncAuthClient`, the others on `AuthClient`: both share
every flow.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.mail_sink

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pyotp
import pytest

from authward.client import (
    AsyncAuthClient,
    AuthClient,
    Forbidden,
    InvalidCredentials,
    InvalidRequest,
    NotFound,
    NotLoggedIn,
    SessionRevoked,
    SignUpOptions,
)
from tests.e2e.conftest import LiveServer, ServerFactory
from tests.e2e.inbox import sms_code
from tests.mail_sink import MailSink, mail_server, mail_sink  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

APP = "https://app.example.com"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, server_factory: ServerFactory, mail_server: MailSink) -> LiveServer:
    return server_factory(
        database=request.param,
        **mail_server.settings(),
        client_url=APP,
        email_verification_required=True,
        dev_mode=True,
        sms_passwordless_enabled=True,
        anonymous_users_enabled=True,
    )


def new_email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}@example.com"


def new_phone() -> str:
    """A valid US number in E.164, distinct per call (each number has its own resend limit)."""
    return f"+1415555{uuid.uuid4().int % 10_000:04d}"


async def verified_user(client: AsyncAuthClient, sink: MailSink, email: str) -> None:
    """Register, verify by mail, and stay logged in."""
    assert await client.register(email, PASSWORD) is None
    await client.verify_email(email, (await sink.wait_for(email)).link())


async def test_register_verify_by_mail_then_login(server: LiveServer, mail_sink: MailSink) -> None:
    email = new_email("register")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        assert await client.register(email, PASSWORD, SignUpOptions(display_name="Ada")) is None
        assert client.state.load() is None  # no session until the address is proven
        with pytest.raises(Forbidden) as unverified:
            await client.login(email, PASSWORD)
        assert unverified.value.error == "unverified-user"

        link = (await mail_sink.wait_for(email)).link()
        token = await client.verify_email(email, link)
        assert token == await client.get_token()
        user = await client.get_user()
        assert user.email == email and user.email_verified and user.display_name == "Ada"
        with pytest.raises(InvalidCredentials) as used:
            await client.verify_email(email, link)
        assert used.value.error == "invalid-ticket"

        await client.logout()
        assert (await client.login(email, PASSWORD)).session is not None


async def test_resend_verification_and_verify_with_the_new_link(server: LiveServer, mail_sink: MailSink) -> None:
    email = new_email("resend")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        await client.register(email, PASSWORD)
        first = (await mail_sink.wait_for(email)).link()
        refused = await client.verify_ticket(first, redirect_to="https://evil.example.com")
        assert refused.startswith(APP) and "error=redirectTo-not-allowed" in refused  # the ticket is left alone

        await client.send_verification_email(email, redirect_to=APP + "/verified")
        second = (await mail_sink.wait_for(email, count=2)).link()
        result = await client.follow_link(second)
        assert result.session is not None and result.session.user is not None
        assert result.session.user.email_verified
        assert "error=invalid-ticket" in await client.verify_ticket(first)  # retired by the verification
        with pytest.raises(InvalidRequest) as bad_redirect:
            await client.send_verification_email(email, redirect_to="https://app.example.com.evil.com")
        assert bad_redirect.value.error == "redirectTo-not-allowed"


def test_request_verification_email_for_the_signed_in_user(live_server: LiveServer) -> None:
    """balena's resend needs a signed-in unverified user: a server that does not require verification."""
    with AuthClient(live_server.url, timeout=30) as client:
        client.register(new_email("balena"), PASSWORD)
        assert not client.get_user().email_verified
        client.request_verification_email()  # the server answered "OK" to the body the SDK built


async def test_password_reset_by_mail_then_change_with_the_ticket_or_signed_in(
    server: LiveServer, mail_sink: MailSink
) -> None:
    email = new_email("reset")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        await verified_user(client, mail_sink, email)
        await client.logout()

        await client.send_password_reset_email(email)
        await client.change_user_password(NEW_PASSWORD, ticket=(await mail_sink.wait_for(email, count=2)).link())
        with pytest.raises(InvalidCredentials):
            await client.login(email, PASSWORD)
        assert (await client.login(email, NEW_PASSWORD)).session is not None

        await client.logout()  # the reset link itself signs in; then change the password signed in
        await client.send_password_reset_email(email)
        # the third mail told the owner that the password was reset (a security notice); the fourth is the link
        await client.follow_link((await mail_sink.wait_for(email, count=4)).link())
        await client.change_user_password(PASSWORD)
        assert client.state.load() is None  # the server ended every session
        assert (await client.login(email, PASSWORD)).session is not None
        with pytest.raises(InvalidCredentials) as bad:
            await client.change_user_password(NEW_PASSWORD, ticket="passwordReset:" + "x" * 43)
        assert bad.value.error == "invalid-ticket"


async def test_email_change_happens_when_the_new_address_confirms(server: LiveServer, mail_sink: MailSink) -> None:
    email, changed = new_email("before"), new_email("after")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        await verified_user(client, mail_sink, email)
        await client.change_user_email(changed)
        assert (await client.get_user()).email == email  # nothing changes before the confirmation
        await client.follow_link((await mail_sink.wait_for(changed)).link())
        user = await client.get_user()
        assert user.email == changed and user.email_verified


async def test_magic_link_signs_in_and_signs_up(server: LiveServer, mail_sink: MailSink) -> None:
    email, newcomer = new_email("magic"), new_email("magic-new")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        await client.sign_in_passwordless_email(email, {"display_name": "Mo", "redirect_to": APP + "/in"})
        result = await client.follow_link((await mail_sink.wait_for(email)).link())
        assert result.session is not None
        user = await client.get_user()
        assert user.email == email and user.display_name == "Mo" and user.email_verified

        await client.request_magic_link(email)  # Yat's name for the same route
        await client.logout()
        await client.follow_link((await mail_sink.wait_for(email, count=2)).link())
        assert (await client.get_user()).id == user.id

        await client.sign_up_passwordless_email(newcomer)
        await client.follow_link((await mail_sink.wait_for(newcomer)).link())
        assert (await client.get_user()).email == newcomer


async def test_email_otp_signs_in_and_up_and_passes_the_mfa_challenge(server: LiveServer, mail_sink: MailSink) -> None:
    email, newcomer = new_email("otp"), new_email("otp-new")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        await client.sign_in_otp_email(email)
        code = (await mail_sink.wait_for(email)).code()
        with pytest.raises(InvalidCredentials) as wrong:
            await client.verify_sign_in_otp_email(email, "000000" if code != "000000" else "111111")
        assert wrong.value.error == "invalid-otp"
        result = await client.verify_sign_in_otp_email(email, code)
        assert result.session is not None and (await client.get_user()).email == email

        totp = pyotp.TOTP((await client.change_user_mfa()).totp_secret)
        await client.two_factor.enable(totp.now())
        await client.logout()
        await client.sign_in_otp_email(email)
        # the second mail is the notice that MFA was turned on; the third holds the code
        challenged = await client.verify_sign_in_otp_email(email, (await mail_sink.wait_for(email, count=3)).code())
        assert challenged.mfa_required and client.state.mfa_ticket() == challenged.mfa.ticket  # type: ignore[union-attr]
        await client.two_factor.challenge(totp.at(time.time() + 30))  # this step's code went to `enable`
        assert await client.two_factor.is_passed()

        await client.sign_up_otp_email(newcomer)
        await client.verify_sign_in_otp_email(newcomer, (await mail_sink.wait_for(newcomer)).code())
        assert (await client.get_user()).email == newcomer


def test_sms_code_signs_in_and_up(server: LiveServer) -> None:
    phone, newcomer = new_phone(), new_phone()
    with AuthClient(server.url, timeout=30) as client:
        client.sign_in_passwordless_sms(phone.replace("+1415", "+1 (415) "), {"display_name": "Sam"})
        code = sms_code(server.url, phone)
        with pytest.raises(InvalidCredentials) as wrong:
            client.verify_sign_in_passwordless_sms(phone, "000000" if code != "000000" else "111111")
        assert wrong.value.error == "invalid-otp"
        result = client.verify_sign_in_passwordless_sms(phone, code)
        assert result.session is not None and not result.mfa_required
        user = client.get_user()
        assert (user.phone_number, user.phone_number_verified, user.display_name) == (phone, True, "Sam")

        client.sign_up_passwordless_sms(newcomer)
        client.verify_sign_in_passwordless_sms(newcomer, sms_code(server.url, newcomer))
        assert client.get_user().phone_number == newcomer


async def test_anonymous_user_deanonymized_keeps_its_id(server: LiveServer, mail_sink: MailSink) -> None:
    email, other = new_email("anon"), new_email("anon-link")
    async with AsyncAuthClient(server.url, timeout=30) as client:
        payload = await client.sign_in_anonymous(display_name="Guest", metadata={"cart": [42]})
        assert payload.session is not None and payload.session.user is not None
        anon = payload.session.user
        assert anon.is_anonymous and anon.default_role == "anonymous"
        with pytest.raises(Forbidden) as refused:
            await client.create_pat(timedelta(days=1))
        assert refused.value.error == "forbidden-anonymous"

        # verification required: the server ends the anonymous session until the mailed link is followed
        assert await client.deanonymize_user(email, PASSWORD, options={"redirect_to": APP}) is None
        assert client.state.load() is None
        await client.verify_email(email, (await mail_sink.wait_for(email)).link())
        user = await client.get_user()
        assert (user.id, user.is_anonymous, user.email, user.metadata) == (anon.id, False, email, {"cart": [42]})
        assert "anonymous" not in user.roles

        second = (await client.sign_in_anonymous()).session
        assert second is not None and second.user is not None
        assert await client.deanonymize_user(other, sign_in_method="passwordless", options={"redirect_to": APP}) is None
        with pytest.raises(NotLoggedIn):
            await client.get_user()
        await client.follow_link((await mail_sink.wait_for(other)).link())
        assert (await client.get_user()).id == second.user.id


async def test_personal_access_tokens(server: LiveServer, mail_sink: MailSink) -> None:
    email = new_email("pat")
    async with AsyncAuthClient(server.url, timeout=30) as owner:
        await verified_user(owner, mail_sink, email)
        user_id = (await owner.get_user()).id
        created = await owner.create_pat(timedelta(days=1), {"name": "ci"})
        [listed] = await owner.list_pats()
        assert (listed.id, listed.metadata, listed.last_used_at) == (created.id, {"name": "ci"}, None)

        with AuthClient(server.url, timeout=30) as script, AuthClient(server.url, timeout=30) as other:
            script.login_with_token(created.personal_access_token)  # balena: an API key, here a PAT
            assert script.get_user().id == user_id
            session = other.sign_in_pat(created.personal_access_token).session
            assert session is not None and session.user is not None and session.user.id == user_id
            assert (await owner.list_pats())[0].last_used_at is not None

            await owner.revoke_pat(created.id)
            await owner.revoke_pat(created.id)  # again: no error
            assert await owner.list_pats() == []
            with pytest.raises(NotFound):
                await owner.revoke_pat(str(uuid.uuid4()))
            with pytest.raises(SessionRevoked):  # revoking ended the sessions opened with the token
                other.refresh_token()
            with pytest.raises(InvalidCredentials) as refused:
                script.login_with_token(created.personal_access_token)
            assert refused.value.error == "invalid-pat"
