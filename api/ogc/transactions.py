"""OGC API – Features Part 4: create, replace, update and delete the features of editable
layers, with optimistic locking (ETag ``"v<version>"``, If-Match) and history (api.ogc.history).

Who: anonymous callers get 401; a layer the caller may not read is 404 (its existence is not
revealed); a readable layer their role may not edit is 403. Cookie sessions must send
X-CSRF-Token (api.auth.identity). Every write is audited, in the transaction of the write.

QGIS. Its OAPIF provider (src/providers/wfs/oapif in QGIS) sends OPTIONS to the items URL and
to the first feature's URL and reads only the ``Allow`` header; POSTs ``application/geo+json``
without ``id`` and takes the new id from ``Location`` (after "/items/"); PUTs the whole feature,
``"id"`` as a string and every property it read; sends ``Content-Crs`` (a bare URI) when the
layer's CRS is not CRS84; never sends If-Match. If ``Allow`` lists PATCH it sends
``application/merge-patch+json`` with only the changed attributes or only the geometry — no
version and nothing to compare. So:
- PUT without If-Match is judged by the ``feature_version`` property QGIS echoes back (the
  rule in gis_core.edits): a PUT from a stale copy that would discard someone else's edit is 412.
- ``Allow`` on a feature lists PUT and DELETE but not PATCH, so QGIS edits with PUT. PATCH is
  served all the same (``Accept-Patch`` says so, as RFC 5789 asks) for clients that send If-Match.
- DELETE (and a PATCH) carries no version: without If-Match it is accepted only when the caller
  wrote the current version, else 428 — QGIS can delete what it last wrote, not someone else's.
``Allow`` lists the write methods only to callers who may edit the layer, so QGIS opens it
read-only for everyone else. tests/api/test_qgis_replay.py replays these requests.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import LayerDep, PoolDep, RolesDep, reject_unknown_parameters
from api.ogc.common import base_url, json_response
from api.ogc.editing import (
    FEATURE_TYPES,
    PATCH_TYPES,
    EditorDep,
    FeatureId,
    base_of,
    describe_base,
    feature_response,
    parse_feature_id,
    parsed,
    read_json,
    record,
    writing,
)
from api.ogc.history import router as history_router
from gis_core import edits
from gis_core.validation import Mode, feature_schema, table_columns

router = APIRouter(tags=["OGC API - Features - Part 4"])
router.include_router(history_router)


@router.post("/collections/{collectionId}/items", status_code=201,
             summary="Add a feature (201, Location and ETag)")
async def create_feature(request: Request, who: EditorDep) -> Response:
    reject_unknown_parameters(request, frozenset())
    body = await read_json(request, FEATURE_TYPES)
    async with writing(request, who) as conn:
        feature = await parsed(request, conn, who.layer, body, "create")
        written = await edits.create(conn, who.layer, feature)
        await record(request, conn, who.layer, written, "create")
        return await feature_response(request, conn, who.layer, written, 201)


@router.put("/collections/{collectionId}/items/{featureId}",
            summary="Replace a feature (If-Match, or QGIS's feature_version)")
async def replace_feature(request: Request, who: EditorDep, feature_id: FeatureId) -> Response:
    return await _update(request, who, feature_id, "replace")


@router.patch("/collections/{collectionId}/items/{featureId}",
              summary="Update some members of a feature (JSON merge patch, If-Match)")
async def update_feature(request: Request, who: EditorDep, feature_id: FeatureId) -> Response:
    return await _update(request, who, feature_id, "patch")


async def _update(request: Request, who: EditorDep, feature_id: str, mode: Mode) -> Response:
    reject_unknown_parameters(request, frozenset())
    fid = parse_feature_id(feature_id, who.layer)
    body = await read_json(request, PATCH_TYPES if mode == "patch" else FEATURE_TYPES)
    async with writing(request, who) as conn:
        feature = await parsed(request, conn, who.layer, body, mode, fid)
        base = base_of(request, feature)
        written = await edits.update(conn, who.layer, fid, feature, base, who.identity.username)
        await record(request, conn, who.layer, written, "update" if mode == "patch" else mode,
                     base=describe_base(base))
        return await feature_response(request, conn, who.layer, written)


@router.delete("/collections/{collectionId}/items/{featureId}", status_code=204,
               summary="Delete a feature (If-Match)")
async def delete_feature(request: Request, who: EditorDep, feature_id: FeatureId) -> Response:
    reject_unknown_parameters(request, frozenset())
    fid = parse_feature_id(feature_id, who.layer)
    async with writing(request, who) as conn:
        base = base_of(request)
        written = await edits.delete(conn, who.layer, fid, base, who.identity.username)
        await record(request, conn, who.layer, written, "delete", base=describe_base(base))
    return Response(status_code=204)


def _allow(methods: list[str], headers: dict[str, str]) -> Response:
    return Response(status_code=200, headers={"Allow": ", ".join(methods), **headers})


@router.options("/collections/{collectionId}/items", summary="Methods you may use here")
async def items_options(layer: LayerDep, roles: RolesDep) -> Response:
    if not layer.may_edit(roles):
        return _allow(["GET", "OPTIONS"], {})
    return _allow(["GET", "OPTIONS", "POST"], {"Accept-Post": ", ".join(FEATURE_TYPES)})


@router.options("/collections/{collectionId}/items/{featureId}",
                summary="Methods you may use on a feature (PATCH: see Accept-Patch)")
async def item_options(layer: LayerDep, roles: RolesDep, feature_id: FeatureId) -> Response:
    if not layer.may_edit(roles):
        return _allow(["GET", "OPTIONS"], {})
    return _allow(["GET", "OPTIONS", "PUT", "DELETE"],
                  {"Accept-Patch": "application/merge-patch+json"})


@router.get("/collections/{collectionId}/schema", summary="JSON Schema of the features")
async def schema(request: Request, layer: LayerDep, pool: PoolDep) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    async with pool.acquire() as conn:
        columns = await table_columns(conn, layer.table)
    doc = feature_schema(layer, columns, f"{base_url(request)}/collections/{layer.id}/schema")
    return json_response(doc, "application/schema+json")
