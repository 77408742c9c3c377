"""How the user commands talk to people, scripts and the server: one set of conventions.

- the server is `--server`, else `$AUTHWARD_URL`, else the stored session's, else http://127.0.0.1:4000;
- the session lives in a FileStorage (`~/.config/authward/session.json`, or `$AUTHWARD_SESSION_FILE`);
- `--json` prints one JSON object on stdout (errors too, as `{"status", "error", "message"}`);
  otherwise output is for people (rich), and errors go to stderr;
- secrets are prompted without echo, or read from one line of stdin (`--password-stdin`);
- every SDK error ends the command with the exit code of `EXIT_CODES` (documented in docs/cli.md).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from authward.client import (
    AuthClient,
    AuthError,
    FileStorage,
    InvalidCredentials,
    InvalidToken,
    MfaError,
    NetworkError,
    NotLoggedIn,
    NotSupportedByServer,
    SessionRevoked,
    Unauthenticated,
    User,
)
from authward.client.core import DEFAULT_BASE_URL

__all__ = [
    "EXIT_CODES",
    "JsonOption",
    "ServerOption",
    "client_for",
    "emit",
    "exit_code_for",
    "new_password",
    "password",
    "reported",
    "say",
    "user_json",
]

EXIT_CODES = {
    "ok": 0,
    "error": 1,
    "usage": 2,
    "not-logged-in": 3,
    "rejected": 4,
    "unreachable": 5,
    "unsupported": 6,
}

ServerOption = Annotated[
    str | None,
    typer.Option(
        "--server",
        "-s",
        envvar="AUTHWARD_URL",
        help="Server URL (default: the logged-in server, else http://127.0.0.1:4000).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def exit_code_for(error: AuthError) -> int:
    if isinstance(error, NetworkError):
        return EXIT_CODES["unreachable"]
    if isinstance(error, NotSupportedByServer):
        return EXIT_CODES["unsupported"]
    if isinstance(error, InvalidCredentials | MfaError):
        return EXIT_CODES["rejected"]
    if isinstance(error, NotLoggedIn | SessionRevoked | Unauthenticated | InvalidToken):
        return EXIT_CODES["not-logged-in"]
    return EXIT_CODES["error"]


# The server the running command talks to (set by `client_for`), for messages that must name it.
_current_server: str | None = None


def _hint(exc: AuthError) -> str:
    """What to do next, after the server's message."""
    if exit_code_for(exc) == EXIT_CODES["not-logged-in"]:
        return "; run `authward login`"
    if exc.error == "unverified-user":
        return ("; open the verification link mailed to you (or run `authward verify 'LINK'` with it), "
                "or mail a new one with `authward email verify EMAIL`")
    return ""


def _message(exc: AuthError) -> str:
    if isinstance(exc, NetworkError) and _current_server is not None:
        return (f"cannot reach the server at {_current_server} ({exc.message}); is it running there? "
                "Choose another with --server or AUTHWARD_URL")
    return exc.message


@contextmanager
def reported(as_json: bool) -> Iterator[None]:
    """Turn SDK errors into one line of output and the documented exit code."""
    try:
        yield
    except AuthError as exc:
        if as_json:
            typer.echo(json.dumps({**exc.to_dict(), "message": _message(exc)}))
        else:
            Console(stderr=True, soft_wrap=True).print(f"[red]error:[/] {escape(_message(exc) + _hint(exc))}",
                                                       highlight=False)
        raise typer.Exit(exit_code_for(exc)) from None


def client_for(server: str | None) -> AuthClient:
    """A client on the CLI's session file, for `server` or the server of the stored session."""
    global _current_server
    storage = FileStorage()
    if server is None:
        stored = storage.load()
        server = stored.base_url if stored is not None else DEFAULT_BASE_URL
    client = AuthClient(server, storage=storage)
    _current_server = client.base_url
    return client


def emit(as_json: bool, data: Any, human: Callable[[Console], None]) -> None:
    """The command's result: `data` as JSON on stdout, or what `human` prints."""
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        human(Console(highlight=False, soft_wrap=True))


def say(as_json: bool, data: Any, text: str) -> None:
    """`emit` for a result that is one line of (rich markup) text for people."""
    emit(as_json, data, lambda out: out.print(text))


def user_json(user: User) -> dict[str, Any]:
    return user.model_dump(mode="json", by_alias=True)


def password(from_stdin: bool, prompt: str = "Password") -> str:
    """A password from one line of stdin (for scripts) or a prompt that does not echo it."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, err=True))


def new_password(from_stdin: bool, prompt: str = "New password") -> str:
    """A new password: one line of stdin, or typed twice without echo (a typo would lock the user out)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True))
