"""A face: a set of routes with its own paths, wire shapes and error format (Nhost today; OAuth/Auth0,
admin and hosted pages next). The app is built from faces; each owns the errors raised on its paths
and may declare hot GET routes answered before FastAPI's router (api/hot.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter
from starlette.responses import Response
from starlette.types import Scope

from authward.errors import AuthError
from authward.services.core import Core
from authward.services.runtime import Built, Runtime
from authward.settings import Settings

HotHandler = Callable[[Runtime, Scope], Awaitable[Response]]
# A hot POST gets the whole JSON body; None means "not the common case": FastAPI's route answers instead.
HotPostHandler = Callable[[Runtime, Scope, bytes], Awaitable[Response | None]]


@dataclass(frozen=True)
class Face:
    name: str
    # Path prefixes this face answers errors for; the longest match wins, "/" is the catch-all.
    prefixes: tuple[str, ...]
    # Renders an AuthError (or a framework error mapped to one) in the face's wire format.
    render_error: Callable[[AuthError], Response]
    # The face's own routers (not a method's), given the settings (e.g. development-only routes).
    routers: Callable[[Settings], Sequence[APIRouter]]
    # GET paths answered before routing, by the very functions the face's documented routes call.
    hot_gets: Mapping[str, HotHandler] = field(default_factory=dict)
    # POST paths with a JSON body answered before routing when the body is valid (errors go on to FastAPI).
    hot_posts: Mapping[str, HotPostHandler] = field(default_factory=dict)
    # The face's own services (the OAuth provider's, say), built from the core services.
    build: Callable[[Core], Built] | None = None
    # Mounted (and built) at all, given the settings.
    enabled: Callable[[Settings], bool] = lambda _: True
    # Single paths this face owns without their sub-paths (/signup is a page; /signup/* are Nhost routes).
    exact_paths: tuple[str, ...] = ()
    # Run once everything is built: a face that extends another's services (the Auth0 face adds grants
    # to the token endpoint, answered by the methods' services) does it here.
    wire: Callable[[Runtime], None] | None = None
    # The face as the settings shape it (the Nhost face conceals sensitive errors when told to).
    configure: Callable[[Face, Settings], Face] | None = None

    def for_settings(self, settings: Settings) -> Face:
        return self.configure(self, settings) if self.configure is not None else self


def face_for_path(faces: Sequence[Face], path: str) -> Face:
    """The face owning `path`: an exact path first, else the longest matching prefix (whole segments)."""
    best: tuple[int, Face] | None = None
    for face in faces:
        if path in face.exact_paths:
            return face
        for prefix in face.prefixes:
            if prefix == "/" or path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), face)
    if best is None:
        raise LookupError(f"no face owns {path}")
    return best[1]
