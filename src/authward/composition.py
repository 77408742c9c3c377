"""The composition root: settings in, a running object graph out (core services, the faces' services,
then the methods'), and the list of faces the app is built from."""

from __future__ import annotations

from collections.abc import Sequence

from authward.api.admin.face import ADMIN
from authward.api.auth0.face import AUTH0
from authward.api.faces import Face
from authward.api.nhost.face import NHOST
from authward.api.oauth.face import OAUTH
from authward.api.pages.face import PAGES
from authward.api.yat.face import YAT
from authward.clock import Clock, utc_now
from authward.methods.base import Method
from authward.methods.registry import METHODS
from authward.services.core import build_core
from authward.services.runtime import Runtime, core_jobs
from authward.settings import Settings

# The faces the app is built from, in mounting order (Starlette matches routes in order).
FACES: tuple[Face, ...] = (NHOST, YAT, OAUTH, PAGES, AUTH0, ADMIN)


def enabled_faces(settings: Settings, faces: Sequence[Face] = FACES) -> list[Face]:
    return [face.for_settings(settings) for face in faces if face.enabled(settings)]


def enabled_methods(settings: Settings, methods: Sequence[Method] = METHODS) -> list[Method]:
    return [method for method in methods if method.enabled(settings)]


def build_runtime(settings: Settings, clock: Clock = utc_now) -> Runtime:
    core = build_core(settings, clock)
    runtime = Runtime(core, jobs=core_jobs(core))
    for face in enabled_faces(settings):
        if face.build is not None:
            runtime.add(face.build(core))
    for method in enabled_methods(settings):
        runtime.add(method.build(core))
    for face in enabled_faces(settings):
        if face.wire is not None:
            face.wire(runtime)
    return runtime
