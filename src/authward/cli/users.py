"""`authward users`: manage the users of this server, as the admin API does (docs/admin.md).

By default the commands act on the database itself, through the admin services (no running server needed;
pending migrations are applied first); with `--server URL` they call that server's admin API, authorised by
AUTHWARD_ADMIN_SECRET. A user is named by id or by email. Every change is in the audit log, with the actor
`cli` (on the database) or `admin-secret` (through the API). `--json` prints the admin API's JSON.

Exit codes: 0 success; 1 no such user (or a declined confirmation); 2 invalid input or a refusal.

`users_app` is the typer group; more subcommands (import, export) register on it with `@users_app.command`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from authward.cli.clients_output import echo_json, out
from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings

if TYPE_CHECKING:
    from authward.cli.users_backend import UsersBackend

users_app = typer.Typer(help="Manage users (the database directly, or a server's admin API with --server).",
                        no_args_is_help=True)

T = TypeVar("T")
JSON = dict[str, Any]

UserArgument = Annotated[str, typer.Argument(metavar="USER", help="The user's id or email.", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (the admin API's shape).")]
ServerOption = Annotated[
    str | None,
    typer.Option("--server", metavar="URL", help="Call this server's admin API (needs AUTHWARD_ADMIN_SECRET) "
                 "instead of opening the database."),
]
RoleOption = Annotated[list[str] | None, typer.Option("--role", metavar="ROLE", help="An allowed role (repeatable).")]
DefaultRoleOption = Annotated[str | None, typer.Option("--default-role", metavar="ROLE")]
DisplayNameOption = Annotated[str | None, typer.Option("--display-name", metavar="NAME")]
LocaleOption = Annotated[str | None, typer.Option("--locale", metavar="LOCALE")]
MetadataOption = Annotated[str | None, typer.Option("--metadata", metavar="JSON", help="A JSON object.")]


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _run(config: Any, server: str | None, work: Callable[[UsersBackend], Awaitable[T]]) -> T:
    from authward.cli.users_backend import UsersCliError, run_with_backend

    settings = _settings(config)
    try:
        return run_with_backend(settings, server, work)
    except UsersCliError as exc:
        fail(f"{exc} ({exc.code})", exc.exit_code)


def _metadata(raw: str | None) -> JSON | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        fail(f"--metadata: not JSON ({exc})", 2)
    if not isinstance(value, dict):
        fail("--metadata: must be a JSON object", 2)
    return value


def _given(**fields: Any) -> JSON:
    return {key: value for key, value in fields.items() if value is not None}


def _when(value: str | None) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def print_user(user: JSON) -> None:
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key in ("id", "email", "phoneNumber", "displayName", "defaultRole", "roles", "emailVerified",
                "phoneNumberVerified", "disabled", "activeMfaType", "isAnonymous", "locale", "metadata",
                "createdAt", "updatedAt", "lastSeen"):
        value = user.get(key)
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list):
            shown = ", ".join(value)
        elif isinstance(value, dict):
            shown = json.dumps(value) if value else "-"
        else:
            shown = "-" if value in (None, "") else str(value)
        table.add_row(key, escape(shown))
    out.print(table)


def print_users(users: list[JSON], total: int) -> None:
    table = Table("id", "email", "name", "roles", "verified", "disabled", "created", "last seen")
    table.columns[0].no_wrap = True
    for user in users:
        table.add_row(user["id"], escape(user.get("email") or user.get("phoneNumber") or "-"),
                      escape(user["displayName"]), escape(", ".join(user["roles"])),
                      "yes" if user["emailVerified"] else "no", "[red]yes[/]" if user["disabled"] else "no",
                      _when(user["createdAt"]), _when(user.get("lastSeen")))
    out.print(table)
    err.print(f"{len(users)} of {total} users")


@users_app.command("list")
def list_users(
    email: Annotated[str | None, typer.Option("--email", help="Only this address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Only this number (E.164).")] = None,
    role: Annotated[str | None, typer.Option("--role", help="Users holding this role.")] = None,
    disabled: Annotated[bool | None, typer.Option("--disabled/--enabled", help="Only disabled or enabled users.")]
    = None,
    created_after: Annotated[datetime | None, typer.Option("--created-after", metavar="DATE")] = None,
    created_before: Annotated[datetime | None, typer.Option("--created-before", metavar="DATE")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    server: ServerOption = None, config: ConfigOption = None, as_json: JsonOption = False,
) -> None:
    """List users, oldest first, with filters and paging."""
    params = {"email": email, "phone": phone, "role": role, "disabled": disabled, "created_after": created_after,
              "created_before": created_before, "limit": limit, "offset": offset}

    async def _list(backend: UsersBackend) -> JSON:
        return await backend.search(params)

    page = _run(config, server, _list)
    if as_json:
        echo_json(page)
    else:
        print_users(page["users"], page["total"])


@users_app.command("show")
def show_user(user: UserArgument, server: ServerOption = None, config: ConfigOption = None,
              as_json: JsonOption = False) -> None:
    """Print one user and their live sessions."""

    async def _show(backend: UsersBackend) -> tuple[JSON, list[JSON]]:
        found = await backend.show(user)
        return found, await backend.sessions(str(found["id"]))

    found, sessions = _run(config, server, _show)
    if as_json:
        echo_json({**found, "sessions": sessions})
        return
    print_user(found)
    if sessions:
        table = Table("session", "device", "signed in", "last used")
        for item in sessions:
            table.add_row(item["id"], escape(item.get("userAgent") or "-"), _when(item["createdAt"]),
                          _when(item["lastUsedAt"]))
        out.print(table)


def _password(password: str | None, password_stdin: bool) -> str | None:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return password


@users_app.command("create")
def create_user(
    email: Annotated[str, typer.Option("--email", help="The user's email address.")],
    password: Annotated[str | None, typer.Option("--password", help="Their password (else none: they use a "
                                                 "reset mail, a link or a code). Prefer --password-stdin.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    verified: Annotated[bool, typer.Option("--verified/--unverified", help="Is the email verified?")] = False,
    role: RoleOption = None, default_role: DefaultRoleOption = None, display_name: DisplayNameOption = None,
    locale: LocaleOption = None, metadata: MetadataOption = None,
    server: ServerOption = None, config: ConfigOption = None, as_json: JsonOption = False,
) -> None:
    """Create a user, with or without a password, verified or not."""
    body = _given(email=email, password=_password(password, password_stdin), emailVerified=verified, roles=role,
                  defaultRole=default_role, displayName=display_name, locale=locale, metadata=_metadata(metadata))

    async def _create(backend: UsersBackend) -> JSON:
        return await backend.create(body)

    _print_one(_run(config, server, _create), as_json)


@users_app.command("update")
def update_user(
    user: UserArgument,
    email: Annotated[str | None, typer.Option("--email", help="A new email address.")] = None,
    verified: Annotated[bool | None, typer.Option("--verified/--unverified")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="A phone number (E.164); \"\" removes it.")] = None,
    role: RoleOption = None, default_role: DefaultRoleOption = None, display_name: DisplayNameOption = None,
    locale: LocaleOption = None, metadata: MetadataOption = None,
    server: ServerOption = None, config: ConfigOption = None, as_json: JsonOption = False,
) -> None:
    """Change a user's profile, roles, metadata, email or phone: each option given replaces that field."""
    body = _given(email=email, emailVerified=verified, phoneNumber=phone, roles=role, defaultRole=default_role,
                  displayName=display_name, locale=locale, metadata=_metadata(metadata))
    if not body:
        fail("nothing to change: give at least one option (see --help)", 2)

    async def _update(backend: UsersBackend) -> JSON:
        return await backend.update(user, body)

    _print_one(_run(config, server, _update), as_json)


def _print_one(user: JSON, as_json: bool) -> None:
    if as_json:
        echo_json(user)
    else:
        print_user(user)


def _set_disabled(user: str, disabled: bool, server: str | None, config: Any, as_json: bool) -> None:
    async def _change(backend: UsersBackend) -> JSON:
        return await backend.set_disabled(user, disabled)

    changed = _run(config, server, _change)
    if as_json:
        echo_json(changed)
    else:
        state = "disabled (every session and PAT revoked)" if disabled else "enabled"
        err.print(f"{escape(changed.get('email') or changed['id'])}: {state}")


@users_app.command("disable")
def disable_user(user: UserArgument, server: ServerOption = None, config: ConfigOption = None,
                 as_json: JsonOption = False) -> None:
    """Disable a user: every refresh token and PAT is revoked at once; every route answers disabled-user."""
    _set_disabled(user, True, server, config, as_json)


@users_app.command("enable")
def enable_user(user: UserArgument, server: ServerOption = None, config: ConfigOption = None,
                as_json: JsonOption = False) -> None:
    """Enable a disabled user (their old sessions stay revoked)."""
    _set_disabled(user, False, server, config, as_json)


@users_app.command("delete")
def delete_user(
    user: UserArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    server: ServerOption = None, config: ConfigOption = None, as_json: JsonOption = False,
) -> None:
    """Delete a user with their sessions, tickets, credentials, PATs and provider links.

    Asks for confirmation unless --yes or --json.
    """
    if not (yes or as_json):
        typer.confirm(f"Delete the user {user} and everything of theirs?", abort=True, err=True)

    async def _delete(backend: UsersBackend) -> str:
        found = await backend.show(user)
        await backend.delete(str(found["id"]))
        return str(found["id"])

    deleted = _run(config, server, _delete)
    if as_json:
        echo_json({"deleted": True, "id": deleted})
    else:
        err.print(f"deleted {deleted}")


@users_app.command("revoke-sessions")
def revoke_sessions(user: UserArgument, server: ServerOption = None, config: ConfigOption = None,
                    as_json: JsonOption = False) -> None:
    """Sign a user out everywhere: revoke every refresh token (their PATs stay)."""

    async def _revoke(backend: UsersBackend) -> int:
        return await backend.revoke_sessions(user)

    revoked = _run(config, server, _revoke)
    if as_json:
        echo_json({"revoked": revoked})
    else:
        err.print(f"revoked {revoked} refresh token(s)")


@users_app.command("invite")
def invite_user(
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="Who to invite.", show_default=False)],
    role: RoleOption = None, default_role: DefaultRoleOption = None, display_name: DisplayNameOption = None,
    locale: LocaleOption = None, metadata: MetadataOption = None,
    server: ServerOption = None, config: ConfigOption = None, as_json: JsonOption = False,
) -> None:
    """Create the account and mail a link to the page where the invitee chooses a password."""
    body = _given(email=email, roles=role, defaultRole=default_role, displayName=display_name, locale=locale,
                  metadata=_metadata(metadata))

    async def _invite(backend: UsersBackend) -> JSON:
        return await backend.invite(body)

    invited = _run(config, server, _invite)
    if as_json:
        echo_json(invited)
    else:
        err.print(f"invited {escape(invited.get('email') or email)} ({invited['id']}): the link is in their mailbox")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
