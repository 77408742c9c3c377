"""The client's IP: the TCP peer, or the address a trusted proxy says it forwarded for.

`X-Forwarded-For` is read right to left and honoured only while each hop is a trusted proxy
(AUTHWARD_TRUSTED_PROXIES), so a client cannot choose its own address by sending the header.
The ASGI layer (api/rate_limit.py) resolves it once per request and sets `CLIENT_IP`, which the
services read (the per-account sign-in limits, the audit) without every route passing it down.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from contextvars import ContextVar

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

CLIENT_IP: ContextVar[str | None] = ContextVar("authward_client_ip", default=None)


def parse_networks(values: Sequence[str]) -> tuple[IpNetwork, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _trusted(address: str, networks: Sequence[IpNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def resolve_client_ip(peer: str | None, forwarded_for: Sequence[str], networks: Sequence[IpNetwork]) -> str:
    """The first address, from the right, that is not a trusted proxy (the peer when it is not one)."""
    address = peer or "unknown"
    if not networks or not _trusted(address, networks):
        return address
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = hop
        if not _trusted(hop, networks):
            break
    return address
