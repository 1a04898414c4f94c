"""Feature history through the API: a feature's versions (who, when, what changed), one version
as a feature, and reverting to one (a new version; history is never rewritten). The layer as it
was at an instant is the items resource with ``as-of`` (api.deps.feature_query).

Versions name their writers (staff accounts), so only those who may edit the layer see them."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import PoolDep, output_crs, reject_unknown_parameters
from api.errors import NotFound
from api.ogc.common import GEOJSON, JSON, base_url, json_response, link, self_links
from api.ogc.editing import (
    EditorDep,
    FeatureId,
    base_of,
    describe_base,
    etag,
    feature_response,
    parse_feature_id,
    record,
    writing,
)
from gis_core import edits, features, history

router = APIRouter(tags=["Feature history"])
VersionNumber = Annotated[int, Path(alias="version", ge=1, le=2**31 - 1)]


@router.get("/collections/{collectionId}/items/{featureId}/versions",
            summary="Every version of a feature: who, when, what changed (editors)")
async def feature_versions(request: Request, who: EditorDep, feature_id: FeatureId,
                           pool: PoolDep) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    fid = parse_feature_id(feature_id, who.layer)
    async with pool.acquire() as conn:
        found = await history.versions(conn, who.layer, fid)
    if not found:
        raise NotFound(f"feature {fid} of {who.layer.id} has no history", parameter="featureId")
    item = f"{base_url(request)}/collections/{who.layer.id}/items/{fid}"
    doc = {
        "featureId": fid,
        "versions": [{**v.doc(), "links": [link(f"{item}/versions/{v.version}", "version",
                                                GEOJSON, f"version {v.version}")]}
                     for v in found],
        "links": [*self_links(request), link(item, "feature", GEOJSON, "the feature now")],
    }
    return json_response(doc, JSON, {"ETag": etag(found[-1].version)})


@router.get("/collections/{collectionId}/items/{featureId}/versions/{version}",
            summary="A feature as it was at one version (editors)")
async def feature_version(request: Request, who: EditorDep, feature_id: FeatureId,
                          version: VersionNumber, pool: PoolDep,
                          crs: str | None = None) -> Response:
    reject_unknown_parameters(request, frozenset({"f", "crs"}))
    out = output_crs(crs)
    fid = parse_feature_id(feature_id, who.layer)
    async with pool.acquire() as conn:
        found = await features.fetch_version(conn, who.layer, fid, version, out)
    if found is None:
        raise NotFound(f"feature {fid} of {who.layer.id} has no version {version}",
                       parameter="version")
    text, op = found
    feature = orjson.loads(text)
    feature["x-version-op"] = op
    feature["links"] = [*self_links(request, GEOJSON),
                        link(f"{base_url(request)}/collections/{who.layer.id}/items/{fid}"
                             "/versions", "version-history", JSON, "all versions")]
    return json_response(feature, GEOJSON, {"Content-Crs": f"<{out.uri}>"})


@router.post("/collections/{collectionId}/items/{featureId}/revert",
             summary="Make a feature what it was at a version (If-Match)")
async def revert_feature(request: Request, who: EditorDep, feature_id: FeatureId,
                         version: Annotated[int, Query(ge=1, le=2**31 - 1)]) -> Response:
    reject_unknown_parameters(request, frozenset({"version"}))
    fid = parse_feature_id(feature_id, who.layer)
    async with writing(request, who) as conn:
        base = base_of(request)
        written = await edits.revert(conn, who.layer, fid, version, base, who.identity.username)
        await record(request, conn, who.layer, written, "revert", toVersion=version,
                     base=describe_base(base))
        return await feature_response(request, conn, who.layer, written)
