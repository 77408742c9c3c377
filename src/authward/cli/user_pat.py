"""`authward pat create|list|revoke`: personal access tokens for scripts and CI.

A token is printed once, alone on stdout (`PAT=$(authward pat create --name ci)`), and is used with
`authward login --token "$PAT"` or the SDK's `login_with_token`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from authward.cli.user_io import JsonOption, ServerOption, client_for, emit, reported, say
from authward.client import NotFound, PersonalAccessTokenInfo

__all__ = ["parse_duration", "parse_expiry", "register"]

DEFAULT_LIFETIME = "30d"
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

pat_app = typer.Typer(help="Personal access tokens, for scripts and CI.", no_args_is_help=True)


def parse_duration(text: str) -> timedelta:
    """`90m`, `12h`, `30d`, `2w` (s, m, h, d, w) as a timedelta."""
    found = _DURATION.match(text.lower())
    if found is None or int(found.group(1)) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration such as 12h, 30d or 2w", param_hint="--expires-in")
    return timedelta(seconds=int(found.group(1)) * _UNIT_SECONDS[found.group(2)])


def parse_expiry(expires_in: str | None, expires_at: str | None) -> datetime:
    """The expiry from `--expires-at` (ISO 8601; without a zone: local time) or `--expires-in`."""
    if expires_in is not None and expires_at is not None:
        raise typer.BadParameter("give --expires-in or --expires-at, not both")
    if expires_at is None:
        return datetime.now(UTC) + parse_duration(expires_in or DEFAULT_LIFETIME)
    try:
        moment = datetime.fromisoformat(expires_at)
    except ValueError:
        raise typer.BadParameter(f"{expires_at!r} is not an ISO 8601 date-time", param_hint="--expires-at") from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "-"


def _token_json(token: PersonalAccessTokenInfo) -> dict[str, Any]:
    return token.model_dump(mode="json", by_alias=True)


@pat_app.command("create")
def pat_create(
    expires_in: Annotated[
        str | None, typer.Option("--expires-in", help=f"Lifetime: 12h, 30d, 2w... (default: {DEFAULT_LIFETIME})")
    ] = None,
    expires_at: Annotated[
        str | None, typer.Option("--expires-at", help="Expiry as ISO 8601 (2030-01-01T00:00:00Z; no zone: local).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name to tell it apart (kept in its metadata).")] = None,
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a token and print it, once: it cannot be shown again."""
    expiry = parse_expiry(expires_in, expires_at)
    with reported(as_json), client_for(server) as client:
        created = client.create_pat(expiry, {"name": name} if name else None)

        def human(out: Console) -> None:
            typer.echo(created.personal_access_token)  # alone on stdout, for $(...)
            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"Token {created.id} created, valid until {_when(expiry)}. It is shown only this once: keep it "
                "like a password. Log in with it: [bold]authward login --token TOKEN[/]."
            )

        emit(as_json, {**created.model_dump(by_alias=True), "expiresAt": expiry.isoformat()}, human)


@pat_app.command("list")
def pat_list(server: ServerOption = None, as_json: JsonOption = False) -> None:
    """List your tokens (never their values), newest first; revoked ones are left out."""
    with reported(as_json), client_for(server) as client:
        tokens = client.list_pats()

        def human(out: Console) -> None:
            if not tokens:
                out.print("No personal access tokens")
                return
            table = Table("id", "name", "created", "expires", "last used")
            for token in tokens:
                table.add_row(
                    token.id,
                    escape(str(token.metadata.get("name", ""))),
                    _when(token.created_at),
                    _when(token.expires_at),
                    _when(token.last_used_at),
                )
            out.print(table)

        emit(as_json, {"personalAccessTokens": [_token_json(token) for token in tokens]}, human)


@pat_app.command("revoke")
def pat_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (a unique prefix is enough).")],
    server: ServerOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke a token; sessions opened with your tokens end too."""
    with reported(as_json), client_for(server) as client:
        chosen = token_id.lower()
        if not _UUID.match(chosen):
            matches = [token.id for token in client.list_pats() if token.id.startswith(chosen)]
            if len(matches) != 1:
                count = "No" if not matches else "More than one"
                raise NotFound(404, "not-found", f"{count} token matches {token_id!r}")
            chosen = matches[0]
        client.revoke_pat(chosen)
        say(as_json, {"revoked": chosen}, f"Revoked {chosen}")


def register(app: typer.Typer) -> None:
    app.add_typer(pat_app, name="pat")
