"""Offline folium map documents: ``/collections/{id}/map.html`` (a layer) and
``/exposure/map.html`` (the flood situation map, for disaster officers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api import audit
from api.auth.service import Identity
from api.deps import CatalogDep, LayerDep, PoolDep, reject_unknown_parameters
from api.errors import Problem
from api.routes.disaster import officer
from web_map.export import export_document
from web_map.map_document import AssetsMissing, MapDocument
from web_map.situation_map import situation_map

router = APIRouter(tags=["Maps"])


def map_response(document: MapDocument) -> HTMLResponse:
    return HTMLResponse(document.html, headers={"Content-Security-Policy": document.policy})


@router.get("/collections/{collectionId}/map.html", response_class=HTMLResponse,
            summary="The layer on a printable offline map (folium)")
async def layer_map(layer: LayerDep, catalog: CatalogDep, pool: PoolDep) -> HTMLResponse:
    try:
        async with pool.acquire() as conn:
            document = await export_document(conn, catalog, [layer])
    except AssetsMissing as exc:
        raise Problem(str(exc), status=503) from exc
    return map_response(document)


@router.get("/exposure/map.html", response_class=HTMLResponse,
            summary="Printable flood situation map: exposure, zones, shelters (officers)")
async def exposure_map(request: Request, pool: PoolDep,
                       user: Annotated[Identity, Depends(officer)]) -> HTMLResponse:
    reject_unknown_parameters(request, frozenset())
    try:
        async with pool.acquire() as conn:
            document = await situation_map(conn)
    except AssetsMissing as exc:
        raise Problem(str(exc), status=503) from exc
    await audit.record(request, "read", "exposure:map", {})
    return map_response(document)
