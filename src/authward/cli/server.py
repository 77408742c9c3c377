"""Server commands: serve, migrate, config, keys. Exit code 2 means a configuration error."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Annotated

import typer

from authward.cli import outbox as outbox_cli
from authward.cli.common import ConfigOption, err
from authward.cli.common import load_cli_settings as _settings
from authward.settings import Settings, masked_settings

keys_app = typer.Typer(help="Manage JWT signing keys.", no_args_is_help=True)


def _prepare(settings: Settings) -> None:
    """Migrate and make sure a signing key exists, before any worker starts."""
    from authward.services.core import build_core
    from authward.storage.migrate import upgrade

    upgrade(settings.database.url)

    async def _keys() -> None:
        core = build_core(settings)
        try:
            await core.keys.ensure_signing_key()
        finally:
            await core.close()

    asyncio.run(_keys())


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address [AUTHWARD_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [AUTHWARD_PORT].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [AUTHWARD_WORKERS].")] = None,
    database_url: Annotated[str | None, typer.Option(help="Database URL [AUTHWARD_DATABASE_URL].")] = None,
    tls_cert: Annotated[str | None, typer.Option(help="PEM certificate: serve HTTPS [AUTHWARD_TLS_CERT].")] = None,
    tls_key: Annotated[str | None, typer.Option(help="PEM private key of --tls-cert [AUTHWARD_TLS_KEY].")] = None,
) -> None:
    """Apply migrations and start the server."""
    import uvicorn

    settings = _settings(config, host=host, port=port, workers=workers, database_url=database_url,
                         tls_cert=tls_cert, tls_key=tls_key)
    if config is not None:  # the workers build their settings from the environment
        os.environ["AUTHWARD_CONFIG"] = str(config)
    _prepare(settings)
    server = settings.server
    scheme = "https" if server.tls_cert else "http"
    err.print(f"authward listening on {scheme}://{server.host}:{server.port} ({settings.database.url.split('://')[0]})")
    uvicorn.run(
        "authward.asgi:create_from_env",
        factory=True,
        host=server.host,
        port=server.port,
        workers=server.workers,
        log_level=server.log_level,
        proxy_headers=False,
        access_log=False,
        ssl_certfile=str(server.tls_cert) if server.tls_cert else None,
        ssl_keyfile=str(server.tls_key) if server.tls_key else None,
    )


def migrate(config: ConfigOption = None) -> None:
    """Apply database migrations."""
    settings = _settings(config)
    from authward.storage.migrate import upgrade

    upgrade(settings.database.url)
    err.print("database is up to date")


def config_cmd(config: ConfigOption = None) -> None:
    """Print the effective settings (secrets masked) as JSON."""
    typer.echo(json.dumps(masked_settings(_settings(config)), indent=2, default=str))


@keys_app.command("rotate")
def keys_rotate(config: ConfigOption = None) -> None:
    """Add a new signing key; the old one stays in the JWKS until its tokens have expired."""
    settings = _settings(config)
    _prepare(settings)
    from authward.services.core import build_core

    async def _rotate() -> str:
        core = build_core(settings)
        try:
            return await core.keys.rotate()
        finally:
            await core.close()

    typer.echo(asyncio.run(_rotate()))


@keys_app.command("list")
def keys_list(config: ConfigOption = None) -> None:
    """List the keys still in the JWKS."""
    settings = _settings(config)
    from authward.clock import utc_now
    from authward.storage.db import Database
    from authward.storage.repos import keys as keys_repo

    async def _list() -> list[dict[str, object]]:
        db = Database(settings.database.url)
        try:
            async with db.read() as session:
                rows = await keys_repo.live_keys(session, utc_now())
            return [
                {"kid": r.kid, "algorithm": r.algorithm, "created_at": r.created_at.isoformat(),
                 "retired_at": r.retired_at.isoformat() if r.retired_at else None,
                 "expires_at": r.expires_at.isoformat() if r.expires_at else None}
                for r in rows
            ]
        finally:
            await db.dispose()

    typer.echo(json.dumps(asyncio.run(_list()), indent=2))


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(migrate)
    app.command("config")(config_cmd)
    app.add_typer(keys_app, name="keys")
    outbox_cli.register(app)
    from authward.cli import clients as clients_cli

    clients_cli.register(app)
