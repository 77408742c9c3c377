"""The composition root: settings in, a running object graph out (core services, then the methods)."""

from __future__ import annotations

from collections.abc import Sequence

from authward.clock import Clock, utc_now
from authward.methods.base import Method
from authward.methods.registry import METHODS
from authward.services.core import build_core
from authward.services.runtime import Runtime, core_jobs
from authward.settings import Settings


def enabled_methods(settings: Settings, methods: Sequence[Method] = METHODS) -> list[Method]:
    return [method for method in methods if method.enabled(settings)]


def build_runtime(settings: Settings, clock: Clock = utc_now) -> Runtime:
    core = build_core(settings, clock)
    runtime = Runtime(core, jobs=core_jobs(core))
    for method in enabled_methods(settings):
        built = method.build(core)
        for service in built.services:
            runtime.services[type(service)] = service
        runtime.jobs.extend(built.jobs)
    return runtime
