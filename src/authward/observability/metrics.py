"""The Prometheus series (docs/production.md#metrics), made only when AUTHWARD_METRICS_ENABLED is true.

Code anywhere below the API counts through the module functions (`sign_in`, `token_issued`, ...): with
metrics off they test one global and return, and prometheus_client is never imported. With several
workers `authward serve` sets PROMETHEUS_MULTIPROC_DIR before they start, and each worker writes its
samples there; a scrape of any worker sums them all (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Request latencies: a refresh is ~ms, a password hash ~100 ms, a slow SMTP send seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Series:
    requests: Counter
    latency: Histogram
    sign_ins: Counter
    tokens: Counter
    reuse: Counter
    rate_limited: Counter
    deliveries: Counter
    outbox_depth: Gauge
    pool_in_use: Gauge
    pool_size: Gauge


_series: Series | None = None


def enable() -> Series:
    """Make the series (once per process; later calls answer the same ones)."""
    global _series
    if _series is None:
        from prometheus_client import Counter, Gauge, Histogram

        _series = Series(
            requests=Counter("authward_http_requests", "HTTP requests answered, by route template",
                             ["route", "method", "status"]),
            latency=Histogram("authward_http_request_duration_seconds", "Time to answer an HTTP request",
                              ["route", "method"], buckets=LATENCY_BUCKETS),
            sign_ins=Counter("authward_sign_ins", "Sign-in attempts by method and outcome", ["method", "outcome"]),
            tokens=Counter("authward_tokens_issued", "Access tokens minted", ["kind"]),
            reuse=Counter("authward_refresh_reuse_detected", "Refresh tokens presented again after rotation"),
            rate_limited=Counter("authward_rate_limited", "Requests refused by a rate limit", ["bucket"]),
            deliveries=Counter("authward_deliveries", "Mail and SMS delivery attempts by outcome",
                               ["channel", "outcome"]),
            outbox_depth=Gauge("authward_outbox_pending", "Messages in the outbox waiting for delivery",
                               multiprocess_mode="mostrecent"),
            pool_in_use=Gauge("authward_db_pool_in_use", "Database connections checked out of the pool",
                              multiprocess_mode="livesum"),
            pool_size=Gauge("authward_db_pool_size", "Database connections the pool holds open",
                            multiprocess_mode="livesum"),
        )
    return _series


def series() -> Series | None:
    return _series


def registry() -> CollectorRegistry:
    """What a scrape reads: every worker's samples in multiprocess mode, this process's otherwise."""
    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


def exposition() -> tuple[bytes, str]:
    """The scrape's body and content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(registry()), CONTENT_TYPE_LATEST


def process_exited() -> None:
    """Drop this worker's live gauges from the multiprocess totals."""
    if os.environ.get(MULTIPROC_ENV) and _series is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


# -- what the code counts (no-ops while metrics are off)
def sign_in(method: str, outcome: str) -> None:
    if _series is not None:
        _series.sign_ins.labels(method, outcome).inc()


def token_issued(kind: str) -> None:
    if _series is not None:
        _series.tokens.labels(kind).inc()


def refresh_reuse_detected() -> None:
    if _series is not None:
        _series.reuse.inc()


def rate_limited(bucket: str) -> None:
    if _series is not None:
        _series.rate_limited.labels(bucket).inc()


def delivery(channel: str, outcome: str) -> None:
    if _series is not None:
        _series.deliveries.labels(channel, outcome).inc()


def outbox_pending(count: int) -> None:
    if _series is not None:
        _series.outbox_depth.set(count)


def audit_event(event: str, data: dict[str, Any]) -> None:
    """Sign-in outcomes and reuse detections, read off the audit events that record them."""
    if _series is None:
        return
    if event == "user.signed_in":
        sign_in(str(data.get("method", "unknown")), "success")
    elif event == "user.sign_in_failed":
        sign_in(str(data.get("method", "unknown")), "failed")
    elif event == "session.reuse_detected":
        refresh_reuse_detected()


def serve_apart(host: str, port: int) -> Callable[[], None] | None:
    """Serve scrapes on their own port (AUTHWARD_METRICS_PORT); the stopper, or None when another worker
    of this server already listens there (in multiprocess mode any one of them answers for all)."""
    from prometheus_client import start_http_server

    try:
        server, thread = start_http_server(port, addr=host, registry=registry())
    except OSError:
        return None

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
