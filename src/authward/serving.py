"""The serving process: `authward serve` prepares the database, then replaces itself with this.

The command-line process has imported typer, Alembic and Mako and run the migrations; none of it is
needed to answer requests, and a worker that starts clean stays ~12 MiB smaller (measured with `make
bench`). `os.execv` keeps the process id, so signals from systemd, Docker or a terminal reach the
server as before. Every setting arrives through the environment (the CLI wrote its options there).
"""

from __future__ import annotations

import os
import tempfile
import warnings

import uvicorn

from authward.observability import logs
from authward.settings import load_settings


def run() -> None:
    with warnings.catch_warnings():  # `authward serve` printed them before handing over
        warnings.simplefilter("ignore")
        server = load_settings().server
    if server.metrics_enabled and server.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # every worker writes its samples here and a scrape of any one sums them (observability/metrics.py)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="authward-metrics-")
    logs.configure(server.log_format, server.log_level)
    uvicorn.run(
        "authward.asgi:create_from_env",
        factory=True,
        host=server.host,
        port=server.port,
        workers=server.workers,
        log_level=server.log_level,
        proxy_headers=False,
        log_config=None,  # logging is configured above (and again in each worker: authward/asgi.py)
        access_log=False,  # api/request_log.py logs each request (with its id, without its query string)
        timeout_graceful_shutdown=server.shutdown_grace_seconds,  # SIGTERM drains in-flight requests
        ssl_certfile=str(server.tls_cert) if server.tls_cert else None,
        ssl_keyfile=str(server.tls_key) if server.tls_key else None,
    )


if __name__ == "__main__":
    run()
