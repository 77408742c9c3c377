"""`/admin/users`: list, show, create, change, disable and enable, delete; sessions, MFA, password reset."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from authward.api.admin.deps import AdminActor, Users
from authward.api.admin.schemas import (
    AdminUser,
    CreateUserRequest,
    Deleted,
    InviteRequest,
    MfaRemoved,
    PasswordResetRequest,
    RevokedSessions,
    Sent,
    UpdateUserRequest,
    UserList,
    UserSessions,
)
from authward.api.admin.wire import admin_user_json, session_view_json
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.services.admin.users import NewUser, UserChanges
from authward.services.invitations import Invitation
from authward.services.users import normalise_email
from authward.storage.repos.users import UserFilter

router = APIRouter(prefix="/admin/users", tags=["admin"], responses=ERRORS)


@router.get("", operation_id="adminListUsers", response_model=UserList)
async def list_users(
    admin: AdminActor, users: Users,
    email: str | None = None, phone: str | None = None, id: uuid.UUID | None = None,
    role: str | None = None, disabled: bool | None = None,
    created_after: datetime | None = None, created_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    filters = UserFilter(email=normalise_email(email) if email else None, phone_number=phone, user_id=id, role=role,
                         disabled=disabled, created_after=created_after, created_before=created_before)
    page = await users.search(filters, limit, offset)
    return json_response({"users": [admin_user_json(u) for u in page.users], "total": page.total})


@router.post("", operation_id="adminCreateUser", response_model=AdminUser)
async def create_user(body: CreateUserRequest, admin: AdminActor, users: Users) -> Response:
    spec = NewUser(email=body.email, password=body.password, email_verified=body.emailVerified, roles=body.roles,
                   default_role=body.defaultRole, display_name=body.displayName, locale=body.locale,
                   phone_number=body.phoneNumber, metadata=body.metadata or {})
    return json_response(admin_user_json(await users.create(spec, admin)))


@router.post("/invite", operation_id="adminInviteUser", response_model=AdminUser)
async def invite_user(body: InviteRequest, admin: AdminActor, users: Users) -> Response:
    """Create the account and mail the invitee a link to the page where they choose a password."""
    invitation = Invitation(email=body.email, roles=body.roles, default_role=body.defaultRole,
                            display_name=body.displayName, locale=body.locale, metadata=body.metadata or {})
    return json_response(admin_user_json(await users.invite(invitation, admin)))


@router.get("/{user_id}", operation_id="adminGetUser", response_model=AdminUser)
async def get_user(user_id: str, admin: AdminActor, users: Users) -> Response:
    return json_response(admin_user_json(await users.get(user_id)))


@router.patch("/{user_id}", operation_id="adminUpdateUser", response_model=AdminUser)
async def update_user(user_id: str, body: UpdateUserRequest, admin: AdminActor, users: Users) -> Response:
    changes = UserChanges(
        display_name=body.displayName, avatar_url=body.avatarUrl, locale=body.locale, roles=body.roles,
        default_role=body.defaultRole, metadata=body.metadata, email=body.email, email_verified=body.emailVerified,
        phone_number=body.phoneNumber, phone_number_verified=body.phoneNumberVerified, password=body.password,
    )
    return json_response(admin_user_json(await users.update(user_id, changes, admin)))


@router.post("/{user_id}/disable", operation_id="adminDisableUser", response_model=AdminUser)
async def disable_user(user_id: str, admin: AdminActor, users: Users) -> Response:
    """Disable the user and revoke every refresh token and PAT of theirs, at once."""
    return json_response(admin_user_json(await users.set_disabled(user_id, True, admin)))


@router.post("/{user_id}/enable", operation_id="adminEnableUser", response_model=AdminUser)
async def enable_user(user_id: str, admin: AdminActor, users: Users) -> Response:
    return json_response(admin_user_json(await users.set_disabled(user_id, False, admin)))


@router.delete("/{user_id}", operation_id="adminDeleteUser", response_model=Deleted)
async def delete_user(user_id: str, admin: AdminActor, users: Users) -> Response:
    """Delete the user with their sessions, tickets, credentials, PATs and provider links."""
    await users.delete(user_id, admin)
    return json_response({"deleted": True})


@router.post("/{user_id}/password-reset", operation_id="adminSendPasswordReset", response_model=Sent)
async def send_password_reset(
    user_id: str, admin: AdminActor, users: Users, body: PasswordResetRequest | None = None
) -> Response:
    """Mail the user a password reset link (the mail of POST /user/password/reset)."""
    await users.send_password_reset(user_id, body.redirectTo if body else None, admin)
    return json_response({"sent": True})


@router.post("/{user_id}/revoke-sessions", operation_id="adminRevokeSessions", response_model=RevokedSessions)
async def revoke_sessions(user_id: str, admin: AdminActor, users: Users) -> Response:
    return json_response({"revoked": await users.revoke_sessions(user_id, admin)})


@router.delete("/{user_id}/mfa", operation_id="adminRemoveMfa", response_model=MfaRemoved)
async def remove_mfa(user_id: str, admin: AdminActor, users: Users) -> Response:
    """Remove the user's TOTP second factor and recovery codes (a lost phone)."""
    return json_response({"removed": await users.remove_mfa(user_id, admin)})


@router.get("/{user_id}/sessions", operation_id="adminListUserSessions", response_model=UserSessions)
async def list_sessions(user_id: str, admin: AdminActor, users: Users) -> Response:
    return json_response({"sessions": [session_view_json(v) for v in await users.sessions(user_id)]})
