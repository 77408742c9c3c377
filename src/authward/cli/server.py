"""Server commands: serve, migrate, config, keys. Exit code 2 means a configuration error."""

from __future__ import annotations

import asyncio
import json
import os
import warnings
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from authward.cli import outbox as outbox_cli
from authward.settings import Settings, load_settings, masked_settings

err = Console(stderr=True)
keys_app = typer.Typer(help="Manage JWT signing keys.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config file (keys are option names).", exists=True)
]


def _settings(config: Path | None, **env: object) -> Settings:
    """Settings from CLI options > environment > TOML, failing cleanly on a bad value."""
    for name, value in env.items():
        if value is not None:
            os.environ[f"AUTHWARD_{name.upper()}"] = str(value)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            settings = load_settings(config)
        for warning in caught:
            err.print(f"[yellow]warning:[/] {warning.message}")
        return settings
    except ValidationError as exc:
        for error in exc.errors():
            option = "AUTHWARD_" + "_".join(str(p) for p in error["loc"]).upper()
            err.print(f"[red]error:[/] {option}: {error['msg']}")
        raise typer.Exit(2) from None


def _prepare(settings: Settings) -> None:
    """Migrate and make sure a signing key exists, before any worker starts."""
    from authward.container import build_services
    from authward.storage.migrate import upgrade

    upgrade(settings.database_url)

    async def _keys() -> None:
        svc = build_services(settings)
        try:
            await svc.keys.ensure_signing_key()
        finally:
            await svc.close()

    asyncio.run(_keys())


def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Bind address [AUTHWARD_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [AUTHWARD_PORT].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [AUTHWARD_WORKERS].")] = None,
    database_url: Annotated[str | None, typer.Option(help="Database URL [AUTHWARD_DATABASE_URL].")] = None,
) -> None:
    """Apply migrations and start the server."""
    import uvicorn

    settings = _settings(config, host=host, port=port, workers=workers, database_url=database_url)
    if config is not None:  # the workers build their settings from the environment
        os.environ["AUTHWARD_CONFIG"] = str(config)
    _prepare(settings)
    err.print(f"authward listening on http://{settings.host}:{settings.port} ({settings.database_url.split('://')[0]})")
    uvicorn.run(
        "authward.asgi:create_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        proxy_headers=False,
        access_log=False,
    )


def migrate(config: ConfigOption = None) -> None:
    """Apply database migrations."""
    settings = _settings(config)
    from authward.storage.migrate import upgrade

    upgrade(settings.database_url)
    err.print("database is up to date")


def config_cmd(config: ConfigOption = None) -> None:
    """Print the effective settings (secrets masked) as JSON."""
    typer.echo(json.dumps(masked_settings(_settings(config)), indent=2, default=str))


@keys_app.command("rotate")
def keys_rotate(config: ConfigOption = None) -> None:
    """Add a new signing key; the old one stays in the JWKS until its tokens have expired."""
    settings = _settings(config)
    _prepare(settings)
    from authward.container import build_services

    async def _rotate() -> str:
        svc = build_services(settings)
        try:
            return await svc.keys.rotate()
        finally:
            await svc.close()

    typer.echo(asyncio.run(_rotate()))


@keys_app.command("list")
def keys_list(config: ConfigOption = None) -> None:
    """List the keys still in the JWKS."""
    settings = _settings(config)
    from authward.container import build_services
    from authward.services.clock import utc_now
    from authward.storage.repos import keys as keys_repo

    async def _list() -> list[dict[str, object]]:
        svc = build_services(settings)
        try:
            async with svc.db.read() as session:
                rows = await keys_repo.live_keys(session, utc_now())
            return [
                {"kid": r.kid, "algorithm": r.algorithm, "created_at": r.created_at.isoformat(),
                 "retired_at": r.retired_at.isoformat() if r.retired_at else None,
                 "expires_at": r.expires_at.isoformat() if r.expires_at else None}
                for r in rows
            ]
        finally:
            await svc.close()

    typer.echo(json.dumps(asyncio.run(_list()), indent=2))


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(migrate)
    app.command("config")(config_cmd)
    app.add_typer(keys_app, name="keys")
    outbox_cli.register(app)
