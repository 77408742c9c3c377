"""What a sign-in method declares: who it is, how it is built, what it serves, what it maintains.

A method is a package under `authward.methods` whose `__init__` exposes `METHOD = Method(...)`,
plus one line in methods/registry.py. The identity (`MethodInfo`: id, factor, amr) lives in the
catalogue of services/method_info.py, where the sign-in completion reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter

from authward.api.faces import HotPostHandler
from authward.services.core import Core
from authward.services.method_info import Factor, MethodInfo
from authward.services.runtime import Built, Job
from authward.settings import Settings

__all__ = ["Built", "Factor", "Job", "Method", "MethodInfo"]


def _always(_: Settings) -> bool:
    return True


@dataclass(frozen=True)
class Method:
    info: MethodInfo
    # Explicit construction from the core services it needs (what it needs injected: see its build).
    build: Callable[[Core], Built]
    # The routers it serves, per face name ("nhost", "yat", ...); a face mounts the ones named for it.
    routers: Mapping[str, Sequence[APIRouter]] = field(default_factory=dict)
    # Hot POSTs per face name (path -> handler), answered before FastAPI's routing when the body is valid
    # for the route's own model (api/hot.py); the handler calls what the documented route calls.
    hot_posts: Mapping[str, Mapping[str, HotPostHandler]] = field(default_factory=dict)
    # Mounted at all? Nhost answers `disabled-endpoint` for a method configured off, so the methods
    # of the Nhost face stay mounted and refuse in their service; a method without that contract may
    # leave its routes out.
    enabled: Callable[[Settings], bool] = _always
