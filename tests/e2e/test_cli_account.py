"""`authward register`, `password`, `email`, `verify`, `login --magic-link/--otp/--sms` and `pat`,
through CliRunner against one real server (SMTP sink for mail, dev outbox for texts).

A command that sends a code and then asks for it reads a `LazyInput`: the line is typed once the
message has arrived, as a person would.
"""

# ruff: noqa: F811 - pytest fixtures imported from tests.mail_sink

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
import typer.testing
from typer.testing import CliRunner, Result

from authward.cli.main import app
from tests.e2e.conftest import LiveServer, ServerFactory
from tests.e2e.inbox import LazyInput, mail_to, sms_code
from tests.mail_sink import MailSink, ReceivedMail, mail_server, mail_sink  # noqa: F401 - fixtures

pytestmark = pytest.mark.e2e

APP = "https://app.example.com"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def server(server_factory: ServerFactory, mail_server: MailSink) -> LiveServer:
    return server_factory(
        **mail_server.settings(),
        client_url=APP,
        email_verification_required=True,
        dev_mode=True,
        sms_passwordless_enabled=True,
    )


class Cli:
    """`authward` for one user: its own session file, on the test server."""

    def __init__(self, server: LiveServer, session_file: Path) -> None:
        self.env = {"AUTHWARD_URL": server.url, "AUTHWARD_SESSION_FILE": str(session_file)}
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | LazyInput | None = None) -> Result:
        if not isinstance(input, LazyInput):
            return self.runner.invoke(app, list(args), input=input, env=self.env)
        # CliRunner copies str/bytes input up front; a LazyInput must stay the stdin it reads.
        with mock.patch.object(typer.testing, "make_input_stream", lambda stream, charset: stream):
            return self.runner.invoke(app, list(args), input=input, env=self.env)  # type: ignore[arg-type]

    def ok(self, *args: str, input: str | LazyInput | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, f"{args}: {result.output}"
        return result

    def whoami(self) -> dict:
        return json.loads(self.ok("whoami", "--json").stdout)


@pytest.fixture
def cli(server: LiveServer, tmp_path: Path, mail_sink: MailSink) -> Cli:
    return Cli(server, tmp_path / "session.json")


def new_email(kind: str) -> str:
    return f"cli-{kind}-{uuid.uuid4().hex[:10]}@example.com"


def registered(cli: Cli, sink: MailSink, kind: str) -> str:
    """A verified account, logged in through `authward verify LINK`."""
    email = new_email(kind)
    cli.ok("register", "-e", email, "--password-stdin", input=f"{PASSWORD}\n")
    cli.ok("verify", mail_to(sink, email).link())
    return email


def test_register_says_a_verification_mail_was_sent_then_verify_logs_in(cli: Cli, mail_sink: MailSink) -> None:
    email = new_email("register")
    result = cli.ok("register", "--display-name", "Ada", input=f"{email}\n{PASSWORD}\n{PASSWORD}\n")
    assert "verification link was sent" in result.stdout and PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output  # typed twice
    assert cli("whoami").exit_code == 3
    assert cli("login", "-e", email, "--password-stdin", input=f"{PASSWORD}\n").exit_code == 1  # unverified

    link = mail_to(mail_sink, email).link()
    verified = cli.ok("verify", link, "--json")
    assert json.loads(verified.stdout)["user"]["emailVerified"] is True
    assert cli.whoami()["displayName"] == "Ada"
    again = cli("verify", link, "--json")
    assert again.exit_code == 4 and json.loads(again.stdout)["error"] == "invalid-ticket"

    duplicate = cli("register", "-e", email, "--password-stdin", "--json", input=f"{PASSWORD}\n")
    assert duplicate.exit_code == 1 and json.loads(duplicate.stdout)["error"] == "email-already-in-use"


def test_email_verify_resends_the_link(cli: Cli, mail_sink: MailSink) -> None:
    email = new_email("resend")
    sent = json.loads(cli.ok("register", "-e", email, "--password-stdin", "--json", input=f"{PASSWORD}\n").stdout)
    assert sent["verificationEmailSent"] is True and sent["user"] is None
    cli.ok("email", "verify", email)
    cli.ok("verify", mail_to(mail_sink, email, count=2).link())
    assert cli.whoami()["emailVerified"] is True


def test_password_reset_then_change_with_the_link_then_signed_in(cli: Cli, mail_sink: MailSink) -> None:
    email = registered(cli, mail_sink, "reset")
    cli.ok("logout")
    reset = cli.ok("password", "reset", email)
    assert "reset link" in reset.stdout
    link = mail_to(mail_sink, email, count=2).link()
    cli.ok("password", "change", "--ticket", link, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert cli("login", "-e", email, input=f"{PASSWORD}\n").exit_code == 4
    cli.ok("login", "-e", email, input=f"{NEW_PASSWORD}\n")

    mismatch = cli("password", "change", input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output  # asked again
    assert cli("whoami").exit_code == 3  # the server ended every session
    cli.ok("login", "-e", email, input=f"{PASSWORD}\n")


def test_email_change_confirmed_by_the_new_address(cli: Cli, mail_sink: MailSink) -> None:
    registered(cli, mail_sink, "old")
    changed = new_email("new")
    assert "confirmation link" in cli.ok("email", "change", changed).stdout
    cli.ok("verify", mail_to(mail_sink, changed).link())
    assert cli.whoami()["email"] == changed


def test_login_with_a_magic_link(cli: Cli, mail_sink: MailSink) -> None:
    email = new_email("magic")
    sent = cli.ok("login", "--magic-link", email)
    assert "sign-in link" in sent.stdout and "authward verify" in sent.stdout
    assert cli("whoami").exit_code == 3  # nothing yet: the link signs in
    cli.ok("verify", mail_to(mail_sink, email).link())
    assert cli.whoami()["email"] == email


def test_login_with_an_email_code(cli: Cli, mail_sink: MailSink) -> None:
    email = new_email("otp")
    typed = LazyInput(lambda: mail_to(mail_sink, email).code() + "\n")
    result = cli.ok("login", "--otp", email, input=typed)
    assert f"Code sent to {email}" in result.output and f"as {email}" in result.stdout
    assert cli.whoami()["emailVerified"] is True

    wrong = cli("login", "--otp", email, "--json", input=LazyInput(lambda: _wrong(mail_to(mail_sink, email, 2))))
    assert wrong.exit_code == 4 and json.loads(wrong.stdout.splitlines()[-1])["error"] == "invalid-otp"


def _wrong(mail: ReceivedMail) -> str:
    code = mail.code()
    return ("000000" if code != "000000" else "111111") + "\n"


def test_login_with_an_sms_code(cli: Cli, server: LiveServer) -> None:
    phone = f"+1415555{uuid.uuid4().int % 10_000:04d}"
    result = cli.ok("login", "--sms", phone, input=LazyInput(lambda: sms_code(server.url, phone) + "\n"))
    assert f"as {phone}" in result.stdout
    user = cli.whoami()
    assert user["phoneNumber"] == phone and user["phoneNumberVerified"] is True


def test_personal_access_tokens(cli: Cli, mail_sink: MailSink, server: LiveServer, tmp_path: Path) -> None:
    registered(cli, mail_sink, "pat")
    created = cli.ok("pat", "create", "--name", "ci", "--expires-in", "7d")
    token = created.stdout.strip()
    assert len(token.splitlines()) == 1 and "shown only this once" in created.stderr
    expires = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
    as_json = json.loads(cli.ok("pat", "create", "--expires-at", expires, "--json").stdout)
    assert as_json["personalAccessToken"] and as_json["expiresAt"].startswith(expires[:10])

    listed = json.loads(cli.ok("pat", "list", "--json").stdout)["personalAccessTokens"]
    assert {t["metadata"].get("name") for t in listed} == {"ci", None}
    ci = next(t for t in listed if t["metadata"].get("name") == "ci")
    assert "ci" in cli.ok("pat", "list").stdout

    script = Cli(server, tmp_path / "script-session.json")
    script.ok("login", "--token", token)
    assert script.whoami()["id"] == cli.whoami()["id"]

    cli.ok("pat", "revoke", ci["id"][:8])  # a unique prefix is enough
    assert [t["id"] for t in json.loads(cli.ok("pat", "list", "--json").stdout)["personalAccessTokens"]] == [
        as_json["id"]
    ]
    unknown = cli("pat", "revoke", "ffffffff", "--json")
    assert unknown.exit_code == 1 and json.loads(unknown.stdout)["error"] == "not-found"
    assert script("login", "--token", token).exit_code == 4


@pytest.mark.parametrize(
    "args",
    [
        ["login", "--otp", "a@example.com", "--sms", "+14155550000"],
        ["pat", "create", "--expires-in", "soon"],
        ["pat", "create", "--expires-in", "1d", "--expires-at", "2035-01-01"],
    ],
)
def test_usage_errors_exit_2(cli: Cli, args: list[str]) -> None:
    assert cli(*args).exit_code == 2
