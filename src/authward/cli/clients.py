"""`authward clients`: register the OAuth/OIDC clients (relying parties) of this server.

The commands write the database directly (no running server needed) through `ClientRegistry`, after
applying migrations. A client secret is printed once, by `create` and `rotate-secret`; only its SHA-256
is stored, and no command ever prints it again (nor the hash).

Exit codes: 0 success; 1 unknown client id (or a declined confirmation); 2 invalid input (a bad redirect
URI, an unknown grant type, a public client with client_credentials, a bad --jwks file, a usage error).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from authward.cli.clients_output import echo_json, out, print_client, print_secret, secret_json
from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.settings import Settings

if TYPE_CHECKING:
    from authward.services.oauth.clients import ClientRegistry
    from authward.storage.models import OAuthClient

clients_app = typer.Typer(help="Manage OAuth clients (writes the database directly).", no_args_is_help=True)

T = TypeVar("T")
# JWK members that only a private (or symmetric) key has: a client's JWKS holds public keys only.
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


class UnknownClient(Exception):
    """The client id names no client (exit 1, where invalid input exits 2)."""


class Clearable(StrEnum):
    """Optional fields `update --clear` resets (lists to empty, the others to the server's default)."""

    POST_LOGOUT_REDIRECT_URIS = "post-logout-redirect-uris"
    AUDIENCES = "audiences"
    LOGO_URL = "logo-url"
    JWKS = "jwks"
    ACCESS_TOKEN_TTL = "access-token-ttl"  # noqa: S105 - an option name
    REFRESH_TOKEN_TTL = "refresh-token-ttl"  # noqa: S105 - an option name

    @property
    def field(self) -> str:
        return self.value.replace("-", "_")

    def cleared(self) -> Any:
        return [] if self.field.endswith(("uris", "audiences")) else None


ClientIdArgument = Annotated[
    str, typer.Argument(metavar="CLIENT_ID", help="The client id (aw_...).", show_default=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NameOption = Annotated[str | None, typer.Option("--name", help="The name users see on the consent page.")]
RedirectUriOption = Annotated[
    list[str] | None,
    typer.Option("--redirect-uri", metavar="URI", help="Allowed redirect URI, matched exactly (repeatable)."),
]
GrantOption = Annotated[
    list[str] | None,
    typer.Option("--grant", metavar="GRANT",
                 help="Grant type (repeatable): authorization_code, refresh_token, client_credentials, "
                      "urn:ietf:params:oauth:grant-type:token-exchange, and Auth0's password, "
                      "http://auth0.com/oauth/grant-type/password-realm, .../passwordless/otp, .../mfa-otp, "
                      ".../mfa-recovery-code (docs/auth0.md)."),
]
ScopeOption = Annotated[
    list[str] | None,
    typer.Option("--scope", metavar="SCOPE", help="A scope it may ask for (repeatable)."),
]
AudienceOption = Annotated[
    list[str] | None,
    typer.Option("--audience", metavar="AUDIENCE", help="An API it may get access tokens for (repeatable)."),
]
PostLogoutOption = Annotated[
    list[str] | None,
    typer.Option("--post-logout-redirect-uri", metavar="URI", help="Allowed URI after logout (repeatable)."),
]
LogoUrlOption = Annotated[str | None, typer.Option("--logo-url", metavar="URL", help="Logo on the consent page.")]
JwksOption = Annotated[
    Path | None,
    typer.Option("--jwks", metavar="FILE", exists=True, dir_okay=False,
                 help="A JWK Set JSON file of public keys (enables private_key_jwt)."),
]
AccessTtlOption = Annotated[
    int | None,
    typer.Option("--access-token-ttl", metavar="SECONDS", help="Access token lifetime."),
]
RefreshTtlOption = Annotated[
    int | None,
    typer.Option("--refresh-token-ttl", metavar="SECONDS", help="Refresh token lifetime."),
]


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)


def _run(settings: Settings, work: Callable[[ClientRegistry], Awaitable[T]]) -> T:
    """On the server's existing database (pending migrations applied), run `work` with a registry on a fresh
    engine; ClientError exits 2, UnknownClient 1, no database 2."""
    from authward.cli.database import database_errors, require_database
    from authward.services.oauth.clients import ClientError, ClientRegistry
    from authward.storage.db import Database

    require_database(settings.database.url, upgrade=True)

    async def _work() -> T:
        db = Database(settings.database.url)
        try:
            return await work(ClientRegistry(db))
        finally:
            await db.dispose()

    try:
        with database_errors(settings.database.url):
            return asyncio.run(_work())
    except UnknownClient as exc:
        fail(str(exc), 1)
    except ClientError as exc:
        fail(str(exc), 2)


async def _existing(registry: ClientRegistry, client_id: str) -> OAuthClient:
    client = await registry.get(client_id)
    if client is None:
        raise UnknownClient(f"no client {client_id!r}")
    return client


def _read_jwks(path: Path) -> dict[str, Any]:
    try:
        jwks = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail(f"--jwks {path}: not a readable JSON file ({exc})", 2)
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        fail(f'--jwks {path}: not a JWK Set: {{"keys": [...]}}', 2)
    for key in jwks["keys"]:
        if not isinstance(key, dict) or "kty" not in key:
            fail(f"--jwks {path}: every key needs a \"kty\"", 2)
        if any(member in key for member in PRIVATE_JWK_MEMBERS):
            fail(f"--jwks {path}: holds private key material; give the public keys only", 2)
    return jwks


LEGACY_OPTION = typer.Option(
    "--legacy-endpoints/--no-legacy-endpoints",
    help="Allow Auth0's deprecated /oauth/ro, /delegation and /tokeninfo for this client (auth0@2 SDKs).",
)


def _changes(
    *, name: str | None = None, redirect_uris: list[str] | None = None, grant_types: list[str] | None = None,
    scopes: list[str] | None = None, audiences: list[str] | None = None,
    post_logout_redirect_uris: list[str] | None = None, public: bool | None = None,
    first_party: bool | None = None, logo_url: str | None = None, jwks: Path | None = None,
    access_token_ttl: int | None = None, refresh_token_ttl: int | None = None, legacy_endpoints: bool | None = None,
) -> dict[str, Any]:
    """The `ClientSpec` fields given on the command line (the others keep their default or value)."""
    given: dict[str, Any] = {
        "name": name, "redirect_uris": redirect_uris, "grant_types": grant_types, "scopes": scopes,
        "audiences": audiences, "post_logout_redirect_uris": post_logout_redirect_uris, "public": public,
        "first_party": first_party, "logo_url": logo_url, "access_token_ttl": access_token_ttl,
        "refresh_token_ttl": refresh_token_ttl, "jwks": _read_jwks(jwks) if jwks is not None else None,
        "legacy_endpoints": legacy_endpoints,
    }
    return {field: value for field, value in given.items() if value is not None}


@clients_app.command("create")
def create_client(
    name: Annotated[str, typer.Option("--name", help="The name users see on the consent page.")],
    redirect_uri: RedirectUriOption = None,
    grant: GrantOption = None,
    scope: ScopeOption = None,
    audience: AudienceOption = None,
    post_logout_redirect_uri: PostLogoutOption = None,
    public: Annotated[
        bool, typer.Option("--public/--no-public", help="A public client (SPA, native app): no secret, PKCE only.")
    ] = False,
    first_party: Annotated[
        bool, typer.Option("--first-party/--no-first-party", help="Trusted: users are not asked for consent.")
    ] = False,
    logo_url: LogoUrlOption = None,
    jwks: JwksOption = None,
    access_token_ttl: AccessTtlOption = None,
    refresh_token_ttl: RefreshTtlOption = None,
    legacy_endpoints: Annotated[bool, LEGACY_OPTION] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a client; a confidential client's secret is printed once.

    Not given: grants authorization_code and refresh_token, scopes openid profile email, the server's token
    lifetimes.
    """
    from authward.services.oauth.clients import ClientSpec, CreatedClient

    settings = _settings(config)
    spec = ClientSpec(**_changes(
        name=name, redirect_uris=redirect_uri, grant_types=grant, scopes=scope, audiences=audience,
        post_logout_redirect_uris=post_logout_redirect_uri, public=public, first_party=first_party,
        logo_url=logo_url, jwks=jwks, access_token_ttl=access_token_ttl, refresh_token_ttl=refresh_token_ttl,
        legacy_endpoints=legacy_endpoints,
    ))

    async def _create(registry: ClientRegistry) -> CreatedClient:
        return await registry.create(spec)

    created = _run(settings, _create)
    if as_json:
        echo_json(secret_json(created.client.client_id, created.secret))
        return
    print_client(created.client)
    if created.secret is not None:
        print_secret(created.client.client_id, created.secret)


@clients_app.command("list")
def list_clients(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List the clients, oldest first."""
    from authward.services.oauth.clients import client_json

    async def _list(registry: ClientRegistry) -> list[OAuthClient]:
        return await registry.list()

    clients = _run(_settings(config), _list)
    if as_json:
        echo_json([client_json(client) for client in clients])
        return
    if not clients:
        err.print("no clients yet: authward clients create --name NAME --redirect-uri URI")
        return
    table = Table("client id", "name", "type", "grants", "redirect URIs", "created")
    for column in (table.columns[0], table.columns[2], table.columns[5]):
        column.no_wrap = True
    for client in clients:
        kind = "public" if client.is_public else "confidential"
        table.add_row(client.client_id, escape(client.name), kind + (", first-party" if client.first_party else ""),
                      ", ".join(client.grant_types), escape("\n".join(client.redirect_uris) or "-"),
                      client.created_at.strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@clients_app.command("show")
def show_client(client_id: ClientIdArgument, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Print one client (never its secret)."""
    from authward.services.oauth.clients import client_json

    async def _show(registry: ClientRegistry) -> OAuthClient:
        return await _existing(registry, client_id)

    client = _run(_settings(config), _show)
    if as_json:
        echo_json(client_json(client))
    else:
        print_client(client)


@clients_app.command("update")
def update_client(
    client_id: ClientIdArgument,
    name: NameOption = None,
    redirect_uri: RedirectUriOption = None,
    grant: GrantOption = None,
    scope: ScopeOption = None,
    audience: AudienceOption = None,
    post_logout_redirect_uri: PostLogoutOption = None,
    first_party: Annotated[
        bool | None, typer.Option("--first-party/--no-first-party", help="Trusted: users are not asked for consent.")
    ] = None,
    logo_url: LogoUrlOption = None,
    jwks: JwksOption = None,
    access_token_ttl: AccessTtlOption = None,
    refresh_token_ttl: RefreshTtlOption = None,
    legacy_endpoints: Annotated[bool | None, LEGACY_OPTION] = None,
    clear: Annotated[
        list[Clearable] | None,
        typer.Option("--clear", metavar="FIELD", help="Reset a field: empty list, or the server's default "
                     f"(repeatable): {', '.join(c.value for c in Clearable)}.", case_sensitive=False),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change a client: each option given replaces that field (a list option, the whole list)."""
    changes = _changes(
        name=name, redirect_uris=redirect_uri, grant_types=grant, scopes=scope, audiences=audience,
        post_logout_redirect_uris=post_logout_redirect_uri, first_party=first_party, logo_url=logo_url,
        jwks=jwks, access_token_ttl=access_token_ttl, refresh_token_ttl=refresh_token_ttl,
        legacy_endpoints=legacy_endpoints,
    )
    for item in clear or []:
        if item.field in changes:
            fail(f"--clear {item.value} contradicts a new value for it: give one or the other", 2)
        changes[item.field] = item.cleared()
    if not changes:
        fail("nothing to change: give at least one option (see --help)", 2)
    settings = _settings(config)

    async def _update(registry: ClientRegistry) -> OAuthClient:
        await _existing(registry, client_id)
        return await registry.update(client_id, **changes)

    client = _run(settings, _update)
    if as_json:
        from authward.services.oauth.clients import client_json

        echo_json(client_json(client))
    else:
        print_client(client)


@clients_app.command("rotate-secret")
def rotate_secret(client_id: ClientIdArgument, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Replace a confidential client's secret (printed once); the old one stops working at once."""

    async def _rotate(registry: ClientRegistry) -> str:
        await _existing(registry, client_id)
        return await registry.rotate_secret(client_id)

    secret = _run(_settings(config), _rotate)
    if as_json:
        echo_json(secret_json(client_id, secret))
    else:
        print_secret(client_id, secret)


@clients_app.command("delete")
def delete_client(
    client_id: ClientIdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delete a client, its users' consents, and every refresh token issued to it.

    Asks for confirmation unless --yes or --json.
    """
    settings = _settings(config)
    if not (yes or as_json):

        async def _find(registry: ClientRegistry) -> OAuthClient:
            return await _existing(registry, client_id)

        client = _run(settings, _find)
        typer.confirm(f"Delete client {client_id} ({client.name}) and end its refresh tokens?", abort=True, err=True)

    async def _delete(registry: ClientRegistry) -> bool:
        return await registry.delete(client_id)

    if not _run(settings, _delete):
        fail(f"no client {client_id!r}", 1)
    if as_json:
        echo_json({"deleted": True, "client_id": client_id})
    else:
        err.print(f"deleted {client_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(clients_app, name="clients")
