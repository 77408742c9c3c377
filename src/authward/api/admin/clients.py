"""`/admin/clients`: the OAuth clients (list, create, delete), through services/oauth/clients.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from authward.api.admin.deps import AdminActor
from authward.api.admin.schemas import ClientList, ClientModel, ClientRequest, CreatedClientModel, Deleted
from authward.api.deps import get_core
from authward.api.nhost.common import ERRORS
from authward.api.nhost.wire import json_response
from authward.errors import AuthError, ErrorCode
from authward.services import audit
from authward.services.core import Core
from authward.services.oauth.clients import ClientError, ClientRegistry, ClientSpec, client_json

router = APIRouter(prefix="/admin/clients", tags=["admin"], responses=ERRORS)
CoreDep = Annotated[Core, Depends(get_core)]


@router.get("", operation_id="adminListClients", response_model=ClientList)
async def list_clients(admin: AdminActor, core: CoreDep) -> Response:
    clients = await ClientRegistry(core.db, core.clock).list()
    return json_response({"clients": [client_json(c) for c in clients]})


@router.get("/{client_id}", operation_id="adminGetClient", response_model=ClientModel)
async def get_client(client_id: str, admin: AdminActor, core: CoreDep) -> Response:
    client = await ClientRegistry(core.db, core.clock).get(client_id)
    if client is None:
        raise AuthError(ErrorCode.NOT_FOUND, "No such client")
    return json_response(client_json(client))


@router.post("", operation_id="adminCreateClient", response_model=CreatedClientModel)
async def create_client(body: ClientRequest, admin: AdminActor, core: CoreDep) -> Response:
    """Register a client; a confidential client's secret is in this answer only (only its hash is kept)."""
    given = body.model_dump(exclude_none=True)
    try:
        created = await ClientRegistry(core.db, core.clock).create(ClientSpec(**given))
    except ClientError as exc:
        raise AuthError(ErrorCode.INVALID_REQUEST, str(exc)) from exc
    async with core.db.write() as session:
        audit.record(session, "admin.client_created", core.clock(), None, actor=admin.label,
                     client_id=created.client.client_id)
    return json_response({"client": client_json(created.client), "client_secret": created.secret})


@router.delete("/{client_id}", operation_id="adminDeleteClient", response_model=Deleted)
async def delete_client(client_id: str, admin: AdminActor, core: CoreDep) -> Response:
    """Delete a client, its users' consents, and every refresh token issued to it."""
    if not await ClientRegistry(core.db, core.clock).delete(client_id):
        raise AuthError(ErrorCode.NOT_FOUND, "No such client")
    async with core.db.write() as session:
        audit.record(session, "admin.client_deleted", core.clock(), None, actor=admin.label, client_id=client_id)
    return json_response({"deleted": True})
