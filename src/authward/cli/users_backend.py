"""Where `authward users` acts: the database itself (the admin services, no server needed) or a running
server's admin API (`--server URL`, authorised by AUTHWARD_ADMIN_SECRET).

Both answer the admin API's JSON (users in the Nhost shape plus `disabled`, `updatedAt`, `lastSeen`), so the
commands print the same thing either way. A refusal is a `UsersCliError` with the error code and the exit
code the command ends with (1: no such user; 2: invalid input or a refusal).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from authward.settings import Settings

if TYPE_CHECKING:
    import httpx

    from authward.services.admin.users import UserAdmin
    from authward.services.core import Core

T = TypeVar("T")
JSON = dict[str, Any]


class UsersCliError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.exit_code = 1 if code == "not-found" else 2


class UsersBackend(Protocol):
    async def search(self, params: JSON) -> JSON: ...
    async def show(self, who: str) -> JSON: ...
    async def create(self, body: JSON) -> JSON: ...
    async def update(self, who: str, body: JSON) -> JSON: ...
    async def set_disabled(self, who: str, disabled: bool) -> JSON: ...
    async def delete(self, who: str) -> None: ...
    async def revoke_sessions(self, who: str) -> int: ...
    async def invite(self, body: JSON) -> JSON: ...
    async def sessions(self, who: str) -> list[JSON]: ...


class DirectBackend:
    """The admin services on the database (pending migrations applied first); the actor is `cli`."""

    def __init__(self, core: Core) -> None:
        from authward.services.admin.actor import Actor
        from authward.services.admin.users import build_user_admin

        self._core = core
        self._users: UserAdmin = build_user_admin(core)
        self._actor = Actor.cli()

    async def _user(self, who: str) -> Any:
        if "@" in who:
            user = await self._users.find_by_email(who)
            if user is None:
                raise UsersCliError("not-found", f"no user with the email {who}")
            return user
        return await self._users.get(who)

    async def search(self, params: JSON) -> JSON:
        from authward.api.admin.wire import admin_user_json
        from authward.services.users import normalise_email
        from authward.storage.repos.users import UserFilter

        filters = UserFilter(
            email=normalise_email(params["email"]) if params.get("email") else None,
            phone_number=params.get("phone"), role=params.get("role"), disabled=params.get("disabled"),
            created_after=params.get("created_after"), created_before=params.get("created_before"),
        )
        page = await self._users.search(filters, params.get("limit", 50), params.get("offset", 0))
        return {"users": [admin_user_json(u) for u in page.users], "total": page.total}

    async def show(self, who: str) -> JSON:
        from authward.api.admin.wire import admin_user_json

        return admin_user_json(await self._user(who))

    async def create(self, body: JSON) -> JSON:
        from authward.api.admin.wire import admin_user_json
        from authward.services.admin.users import NewUser

        spec = NewUser(email=body["email"], password=body.get("password"),
                       email_verified=body.get("emailVerified", False), roles=body.get("roles"),
                       default_role=body.get("defaultRole"), display_name=body.get("displayName"),
                       locale=body.get("locale"), phone_number=body.get("phoneNumber"),
                       metadata=body.get("metadata") or {})
        return admin_user_json(await self._users.create(spec, self._actor))

    async def update(self, who: str, body: JSON) -> JSON:
        from authward.api.admin.wire import admin_user_json
        from authward.services.admin.users import UserChanges

        changes = UserChanges(
            display_name=body.get("displayName"), avatar_url=body.get("avatarUrl"), locale=body.get("locale"),
            roles=body.get("roles"), default_role=body.get("defaultRole"), metadata=body.get("metadata"),
            email=body.get("email"), email_verified=body.get("emailVerified"), phone_number=body.get("phoneNumber"),
        )
        user = await self._user(who)
        return admin_user_json(await self._users.update(user.id, changes, self._actor))

    async def set_disabled(self, who: str, disabled: bool) -> JSON:
        from authward.api.admin.wire import admin_user_json

        user = await self._user(who)
        return admin_user_json(await self._users.set_disabled(user.id, disabled, self._actor))

    async def delete(self, who: str) -> None:
        user = await self._user(who)
        await self._users.delete(user.id, self._actor)

    async def revoke_sessions(self, who: str) -> int:
        user = await self._user(who)
        return await self._users.revoke_sessions(user.id, self._actor)

    async def invite(self, body: JSON) -> JSON:
        from authward.api.admin.wire import admin_user_json
        from authward.services.invitations import Invitation

        invitation = Invitation(email=body["email"], roles=body.get("roles"), default_role=body.get("defaultRole"),
                                display_name=body.get("displayName"), locale=body.get("locale"),
                                metadata=body.get("metadata") or {})
        user = await self._users.invite(invitation, self._actor)
        await self._core.background.drain(grace=30)  # the mail goes before the command ends
        return admin_user_json(user)

    async def sessions(self, who: str) -> list[JSON]:
        from authward.api.admin.wire import session_view_json

        user = await self._user(who)
        return [session_view_json(view) for view in await self._users.sessions(user.id)]


class HttpBackend:
    """A running server's admin API."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        import httpx

        try:
            response = await self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise UsersCliError("unreachable", f"cannot reach the server: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            if isinstance(body, dict) and "error" in body:
                raise UsersCliError(str(body["error"]), str(body.get("message", body["error"])))
            raise UsersCliError("http-error", f"the server answered {response.status_code}")
        return body

    async def _id(self, who: str) -> str:
        if "@" not in who:
            return who
        found = await self._call("GET", "/admin/users", params={"email": who, "limit": 1})
        if not found["users"]:
            raise UsersCliError("not-found", f"no user with the email {who}")
        return str(found["users"][0]["id"])

    async def search(self, params: JSON) -> JSON:
        query = {k: (str(v).lower() if isinstance(v, bool) else (v.isoformat() if hasattr(v, "isoformat") else v))
                 for k, v in params.items() if v is not None}
        result: JSON = await self._call("GET", "/admin/users", params=query)
        return result

    async def show(self, who: str) -> JSON:
        result: JSON = await self._call("GET", f"/admin/users/{await self._id(who)}")
        return result

    async def create(self, body: JSON) -> JSON:
        result: JSON = await self._call("POST", "/admin/users", json=body)
        return result

    async def update(self, who: str, body: JSON) -> JSON:
        result: JSON = await self._call("PATCH", f"/admin/users/{await self._id(who)}", json=body)
        return result

    async def set_disabled(self, who: str, disabled: bool) -> JSON:
        action = "disable" if disabled else "enable"
        result: JSON = await self._call("POST", f"/admin/users/{await self._id(who)}/{action}")
        return result

    async def delete(self, who: str) -> None:
        await self._call("DELETE", f"/admin/users/{await self._id(who)}")

    async def revoke_sessions(self, who: str) -> int:
        return int((await self._call("POST", f"/admin/users/{await self._id(who)}/revoke-sessions"))["revoked"])

    async def invite(self, body: JSON) -> JSON:
        result: JSON = await self._call("POST", "/admin/users/invite", json=body)
        return result

    async def sessions(self, who: str) -> list[JSON]:
        found: list[JSON] = (await self._call("GET", f"/admin/users/{await self._id(who)}/sessions"))["sessions"]
        return found


def run_with_backend(settings: Settings, server: str | None,
                     work: Callable[[UsersBackend], Awaitable[T]]) -> T:
    """Run `work` on the database (default) or on the server at `server`; AuthError becomes UsersCliError."""
    from authward.errors import AuthError

    async def _guarded(backend: UsersBackend) -> T:
        try:
            return await work(backend)
        except AuthError as exc:
            raise UsersCliError(exc.code.value, exc.message) from exc

    if server is not None:
        return asyncio.run(_over_http(settings, server, _guarded))
    from authward.cli.database import database_errors, require_database

    require_database(settings.database.url, upgrade=True)
    with database_errors(settings.database.url):
        return asyncio.run(_on_database(settings, _guarded))


async def _on_database(settings: Settings, work: Callable[[UsersBackend], Awaitable[T]]) -> T:
    from authward.services.core import build_core

    core = build_core(settings)
    try:
        return await work(DirectBackend(core))
    finally:
        await core.close()


async def _over_http(settings: Settings, server: str, work: Callable[[UsersBackend], Awaitable[T]]) -> T:
    import httpx

    secret = settings.server.admin_secret
    if secret is None or not secret.get_secret_value():
        raise UsersCliError("no-admin-secret", "--server needs AUTHWARD_ADMIN_SECRET (the server's admin secret)")
    client: AbstractAsyncContextManager[httpx.AsyncClient] = httpx.AsyncClient(
        base_url=server.rstrip("/"), headers={"x-authward-admin-secret": secret.get_secret_value()}, timeout=30.0)
    async with client as http:
        return await work(HttpBackend(http))
