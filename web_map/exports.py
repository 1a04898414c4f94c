"""``/collections/{id}/map.html``: a layer as an offline folium map document."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import CatalogDep, LayerDep, PoolDep
from api.errors import Problem
from web_map.export import AssetsMissing, export_document

router = APIRouter(tags=["Maps"])


@router.get("/collections/{collectionId}/map.html", response_class=HTMLResponse,
            summary="The layer on a printable offline map (folium)")
async def layer_map(layer: LayerDep, catalog: CatalogDep, pool: PoolDep) -> HTMLResponse:
    try:
        async with pool.acquire() as conn:
            document = await export_document(conn, catalog, [layer])
    except AssetsMissing as exc:
        raise Problem(str(exc), status=503) from exc
    return HTMLResponse(document)
