"""Disaster plan over HTTP: hazard rasters (tiles, legend, upload), hazards at a point, shelter
status (officers) and its live stream, evacuation routes and isochrones, exposure.

Who may call what: hazards, routes, isochrones, shelter events and the per-町丁目 exposure are
public (a hazard map is public information; population aggregates are not personal data).
Operations are for disaster officers and admins: changing a shelter, uploading a raster, the
per-shelter exposure with capacity gaps, and the situation map (web_map.exports).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from api import audit
from api.auth.identity import SignedInDep
from api.auth.service import Identity
from api.body_limits import RASTER_LIMIT
from api.deps import PoolDep, RolesDep, ServicePointDep, reject_unknown_parameters
from api.errors import Forbidden, InvalidParameter, NotFound, Problem, Unauthorized
from api.ogc.common import JSON, base_url, json_response, link
from api.ogc.tiles import TMS_URI
from data.importers.base import ImportFailed
from data.importers.hazards import RasterSource, prepare_flood_depth
from gis_core import rasters
from gis_core.access import Role
from gis_core.events import Broadcaster
from gis_core.tiles import TILE_MATRIX_SET_ID, TileKey, check_tile
from layers.disaster import emergency, evacuation, exposure, hazards, operations, shelters
from layers.disaster.schemas import ShelterUpdate


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.shelter_events = Broadcaster(shelters.SHELTER_STATUS_CHANNEL)
    await app.state.shelter_events.start(app.state.listener)
    try:
        yield
    finally:
        await app.state.shelter_events.stop()


router = APIRouter(tags=["Disaster"], lifespan=lifespan)
PNG = "image/png"
RasterId = Annotated[str, PathParam(alias="rasterId", pattern=r"^[a-z0-9_]{1,40}$")]
MaxDepth = Annotated[float, Query(
    alias="max_depth", ge=0, le=100,
    description="avoid streets under deeper water than this (m); default 0.5 (knee-deep)")]
HEARTBEAT_S = 15.0
OPERATIONS = frozenset({Role.DISASTER_OFFICER, Role.ADMIN})


async def officer(identity: SignedInDep) -> Identity:
    """Disaster officers and admins."""
    if not identity.roles & OPERATIONS:
        raise Forbidden("only disaster officers and administrators may do this")
    return identity


OfficerDep = Annotated[Identity, Depends(officer)]


# --- rasters --------------------------------------------------------------------------------


def _raster_doc(base: str, raster: hazards.HazardRaster) -> dict[str, Any]:
    path = f"{base}/rasters/{raster.id}"
    tiles = f"{path}/tiles/{TILE_MATRIX_SET_ID}"
    return {
        "id": raster.id, "title": raster.title_ja, "title_en": raster.title_en,
        "quantity": raster.quantity, "units": raster.units, "is_sample": raster.is_sample,
        "attribution": raster.attribution, "license": raster.license, "bbox": raster.bounds,
        "dataType": "map", "tileMatrixSetURI": TMS_URI,
        "links": [link(path, "self", JSON, "this raster"),
                  link(f"{path}/legend", "describedby", JSON, "legend"),
                  link(f"{tiles}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", PNG,
                       "PNG map tiles", templated=True),
                  link(f"{tiles}/tilejson.json", "describedby", JSON, "TileJSON")],
    }


async def _raster_or_404(pool: Any, raster_id: str) -> hazards.HazardRaster:
    async with pool.acquire() as conn:
        raster = await hazards.get_raster(conn, raster_id)
    if raster is None:
        raise NotFound(f"no raster {raster_id!r}", parameter="rasterId")
    return raster


@router.get("/rasters", summary="Hazard rasters (flood depth…)")
async def list_rasters(request: Request, pool: PoolDep) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    async with pool.acquire() as conn:
        found = await hazards.list_rasters(conn)
    return json_response({"rasters": [_raster_doc(base_url(request), r) for r in found]})


@router.get("/rasters/{rasterId}", summary="One hazard raster")
async def raster_doc(request: Request, pool: PoolDep, raster_id: RasterId) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    return json_response(_raster_doc(base_url(request), await _raster_or_404(pool, raster_id)))


@router.get("/rasters/{rasterId}/legend", summary="Legend of a raster (classes, colours, ja/en)")
async def raster_legend(request: Request, pool: PoolDep, raster_id: RasterId) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    raster = await _raster_or_404(pool, raster_id)
    title = f"{raster.title_ja} / {raster.title_en}"
    return json_response({"raster": raster.id, "title": title, "units": raster.units,
                          "is_sample": raster.is_sample, "attribution": raster.attribution,
                          "classes": raster.legend})


@router.get("/rasters/{rasterId}/tiles/WebMercatorQuad/tilejson.json",
            summary="TileJSON of a raster's PNG tiles")
async def raster_tilejson(request: Request, pool: PoolDep, raster_id: RasterId) -> Response:
    reject_unknown_parameters(request, frozenset())
    raster = await _raster_or_404(pool, raster_id)
    tiles = f"{base_url(request)}/rasters/{raster.id}/tiles/{TILE_MATRIX_SET_ID}"
    return json_response({"tilejson": "3.0.0", "name": raster.id, "scheme": "xyz",
                          "tiles": [f"{tiles}/{{z}}/{{y}}/{{x}}"], "minzoom": 0,
                          "maxzoom": 18, "bounds": raster.bounds,
                          "attribution": raster.attribution})


@router.get("/rasters/{rasterId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}",
            summary="A PNG map tile of a raster, coloured by its legend",
            responses={200: {"content": {PNG: {}}}})
async def raster_tile(request: Request, pool: PoolDep, raster_id: RasterId,
                      z: Annotated[int, PathParam(alias="tileMatrix")],
                      y: Annotated[int, PathParam(alias="tileRow")],
                      x: Annotated[int, PathParam(alias="tileCol")]) -> Response:
    reject_unknown_parameters(request, frozenset())
    check_tile(z, x, y)
    tileset = f"raster:{raster_id}"
    version = request.app.state.versions.get(tileset)
    key = TileKey(tileset, (version,), z, x, y)
    headers = {"ETag": key.etag, "Cache-Control": "public, max-age=30, must-revalidate"}
    if version and request.headers.get("if-none-match") == key.etag:
        return Response(status_code=304, headers=headers)
    cache = request.app.state.tile_cache
    tile = cache.get(key) if version else None
    if tile is None:
        raster = await _raster_or_404(pool, raster_id)
        tile = await run_in_threadpool(rasters.render_tile, raster.path, z, x, y, raster.classes)
        if version:
            cache.put(key, tile)
    return Response(tile, media_type=PNG, headers=headers)


async def _receive(request: Request, limit: int) -> Path:
    """The request body in a temporary file; 413 past ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(f"the file is larger than {limit} bytes", status=413, parameter="body")
    handle = tempfile.NamedTemporaryFile(suffix=".tif", delete=False)  # noqa: SIM115
    size = 0
    with handle:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                Path(handle.name).unlink(missing_ok=True)
                raise Problem(f"the file is larger than {limit} bytes", status=413,
                              parameter="body")
            handle.write(chunk)
    return Path(handle.name)


@router.put("/rasters/{rasterId}", summary="Upload a flood-depth GeoTIFF (officers)",
            status_code=201, max_body_size=RASTER_LIMIT)
async def upload_raster(request: Request, pool: PoolDep, raster_id: RasterId, user: OfficerDep,
                        title_ja: Annotated[str, Query(max_length=200)] = "浸水深",
                        title_en: Annotated[str, Query(max_length=200)] = "Flood depth",
                        source: Annotated[str, Query(min_length=1, max_length=500)] =
                        "uploaded GeoTIFF",
                        license: Annotated[str, Query(max_length=500)] = "see the source",
                        ) -> Response:
    reject_unknown_parameters(request, frozenset({"title_ja", "title_en", "source", "license"}))
    settings = request.app.state.settings
    received = await _receive(request, settings.raster_upload_max_bytes)
    meta = RasterSource(raster_id, title_ja, title_en, source, license)
    try:
        entry = await run_in_threadpool(prepare_flood_depth, received, settings.raster_dir, meta)
    except ImportFailed as exc:
        raise InvalidParameter(str(exc).replace(received.name, "the upload"),
                               parameter="body") from None
    finally:
        received.unlink(missing_ok=True)
    async with pool.acquire() as conn, conn.transaction():
        await hazards.register_async(conn, entry)
        await audit.record(request, "upload", f"raster:{raster_id}",
                           {"source": source, "file": entry.path.name}, conn=conn)
    raster = await _raster_or_404(pool, raster_id)
    return json_response(_raster_doc(base_url(request), raster), status_code=201)


# --- hazards at a point ---------------------------------------------------------------------


@router.get("/hazards/at", summary="Hazards at a point: raster values and zones")
async def hazards_at(request: Request, pool: PoolDep, point: ServicePointDep) -> Response:
    reject_unknown_parameters(request, frozenset({"lon", "lat"}))
    lon, lat = point
    async with pool.acquire() as conn:
        found = await hazards.hazards_at(conn, lon, lat)
    return json_response({"lon": lon, "lat": lat, "hazards": found})


# --- shelters -------------------------------------------------------------------------------


@router.patch("/shelters/{shelterId}", summary="Change a shelter's status or occupancy "
              "(disaster officers)")
async def patch_shelter(request: Request, pool: PoolDep, user: OfficerDep,
                        shelter_id: Annotated[int, PathParam(alias="shelterId", ge=1,
                                                             le=2_147_483_647)],
                        change: ShelterUpdate) -> Response:
    reject_unknown_parameters(request, frozenset())
    async with pool.acquire() as conn, conn.transaction():
        before, after = await shelters.update_shelter(conn, shelter_id, change, user.username)
        suspension = await _suspend_if_opened(request, conn, shelter_id, before, after,
                                              user.user_id)
        await audit.record(request, "update", f"shelters:{shelter_id}",
                           {"before": _plain(before), "after": _plain(after),
                            "suspension": suspension and suspension["id"]}, conn=conn)
    return json_response(_plain(after))


async def _suspend_if_opened(request: Request, conn: Any, shelter_id: int,
                             before: dict[str, Any], after: dict[str, Any],
                             user_id: int) -> dict[str, Any] | None:
    """In emergency mode a shelter that opens takes its facility's rooms out of booking."""
    if not operations.opened(before, after):
        return None
    if not (await emergency.current(conn)).active:  # on this connection: a second one from
        return None                                 # the pool could wait for ever under load
    return await operations.suspend_for_shelter(conn, shelter_id, user_id)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return orjson.loads(orjson.dumps(row))


async def _events(request: Request, broadcaster: Broadcaster) -> AsyncIterator[bytes]:
    with broadcaster.subscribe() as queue:
        yield b"retry: 2000\n: shelter status changes\n\n"
        number = 0
        while not await request.is_disconnected():
            try:
                payload = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if payload is None:
                if not broadcaster.running:
                    return
                yield b"event: reload\ndata: {}\n\n"
                continue
            number += 1
            yield f"id: {number}\nevent: shelter\ndata: {payload}\n\n".encode()


@router.get("/shelters/events", summary="Server-sent events: every shelter status change")
async def shelter_events(request: Request) -> StreamingResponse:
    reject_unknown_parameters(request, frozenset())
    return StreamingResponse(
        _events(request, request.app.state.shelter_events), media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# --- evacuation -----------------------------------------------------------------------------


@router.get("/evacuation/route", summary="Walking route to the nearest open shelter with room")
async def evacuation_route(request: Request, pool: PoolDep, point: ServicePointDep,
                           max_depth: MaxDepth = evacuation.DEFAULT_MAX_DEPTH_M) -> Response:
    reject_unknown_parameters(request, frozenset({"lon", "lat", "max_depth"}))
    lon, lat = point
    async with pool.acquire() as conn:
        route = await evacuation.evacuation_route(conn, lon, lat, max_depth)
    return json_response(route, media_type="application/geo+json")


@router.get("/evacuation/isochrones", summary="Areas 10, 20 and 30 minutes' walk from a shelter")
async def isochrones(request: Request, pool: PoolDep,
                     shelter: Annotated[int, Query(ge=1, le=2_147_483_647)],
                     max_depth: MaxDepth = evacuation.DEFAULT_MAX_DEPTH_M) -> Response:
    reject_unknown_parameters(request, frozenset({"shelter", "max_depth"}))
    async with pool.acquire() as conn:
        found = await evacuation.shelter_isochrones(conn, shelter, max_depth)
    return json_response(found, media_type="application/geo+json")


# --- exposure -------------------------------------------------------------------------------

CSV_TYPE = "text/csv; charset=utf-8"
GPKG_TYPE = "application/geopackage+sqlite3"


def _may_operate(roles: frozenset[Role]) -> bool:
    return bool(roles & OPERATIONS)


@router.get("/exposure", summary="People exposed to flooding per 町丁目 (and per shelter "
            "catchment for officers); f=json, csv or gpkg")
async def exposure_report(request: Request, pool: PoolDep, roles: RolesDep,
                          f: Annotated[str, Query(pattern="^(json|csv|gpkg)$")] = "json",
                          by: Annotated[str, Query(pattern="^(chome|shelter)$")] = "chome",
                          ) -> Response:
    reject_unknown_parameters(request, frozenset({"f", "by"}))
    operations = _may_operate(roles)
    if (by == "shelter" or f == "gpkg") and not operations:
        if not request.state.identity:
            raise Unauthorized("log in as a disaster officer", parameter="by")
        raise Forbidden("shelter catchments are for disaster officers", parameter="by")
    async with pool.acquire() as conn:
        if f == "gpkg":
            frames = await exposure.exposure_frames(conn)
            body = await run_in_threadpool(exposure.to_geopackage, *frames)
            return Response(body, media_type=GPKG_TYPE, headers=_download("exposure.gpkg"))
        report = await exposure.exposure(conn, with_catchments=operations)
    if operations:
        await audit.record(request, "read", "exposure", {"query": str(request.url.query)})
    if f == "csv":
        rows = report["catchments"] if by == "shelter" else report["chome"]
        text = "\ufeff" + exposure.to_csv(rows)
        return Response(text.encode(), media_type=CSV_TYPE,
                        headers=_download(f"exposure_{by}.csv"))
    return json_response(report)


def _download(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}
