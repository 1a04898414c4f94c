"""OGC API – Tiles: vector tiles (MVT) of every layer and one multi-layer basemap, on
WebMercatorQuad, with ETags and a server-side cache keyed by the layers' versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api.deps import CatalogDep, LayerDep, PoolDep, reject_unknown_parameters
from api.errors import NotFound
from api.ogc.common import JSON, base_url, json_response, link, render, self_links
from api.ogc.extents import union_bbox
from gis_core.catalog import Layer
from gis_core.tiles import (
    MAX_ZOOM,
    TILE_MATRIX_SET_ID,
    TileKey,
    check_tile,
    gunzip_tile,
    gzip_tile,
    render_tile,
    tile_matrix_set,
)

router = APIRouter(tags=["OGC API - Tiles"])
MVT = "application/vnd.mapbox-vector-tile"
BASEMAP_ID = "basemap"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TileMatrixSetId = Annotated[str, Path(alias="tileMatrixSetId")]
Z = Annotated[int, Path(alias="tileMatrix")]
X = Annotated[int, Path(alias="tileCol")]
Y = Annotated[int, Path(alias="tileRow")]
METADATA_PARAMETERS = frozenset({"f"})
TILE_MAX_AGE = 30
EMERGENCY_STATIC_MAX_AGE = 600


def _check_tms(tms_id: str) -> None:
    if tms_id != TILE_MATRIX_SET_ID:
        raise NotFound(f"tile matrix set {tms_id!r} is not offered", parameter="tileMatrixSetId")


@router.get("/tileMatrixSets", summary="Tile matrix sets")
async def tile_matrix_sets(request: Request) -> Response:
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    base = base_url(request)
    doc = {"tileMatrixSets": [{
        "id": TILE_MATRIX_SET_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI,
        "links": [link(f"{base}/tileMatrixSets/{TILE_MATRIX_SET_ID}", "self", JSON,
                       TILE_MATRIX_SET_ID)],
    }]}
    return json_response(doc)


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="One tile matrix set")
async def tile_matrix_set_doc(request: Request, tms_id: TileMatrixSetId) -> Response:
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    _check_tms(tms_id)
    return Response(tile_matrix_set().model_dump_json(exclude_none=True, by_alias=True),
                    media_type=JSON)


def _tiles_path(base: str, layer: Layer | None) -> str:
    return f"{base}/collections/{layer.id}/tiles" if layer else f"{base}/tiles"


def tileset_doc(base: str, layers: Sequence[Layer], layer: Layer | None,
                attribution: str) -> dict[str, Any]:
    path = f"{_tiles_path(base, layer)}/{TILE_MATRIX_SET_ID}"
    return {
        "title": layer.title_ja if layer else "基本図 / Basemap",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "attribution": attribution,
        "links": [
            link(path, "self", JSON, "this tileset"),
            link(f"{base}/tileMatrixSets/{TILE_MATRIX_SET_ID}",
                 "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, TILE_MATRIX_SET_ID),
            link(f"{path}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", MVT,
                 "Mapbox vector tiles", templated=True),
            link(f"{path}/tilejson.json", "describedby", JSON, "TileJSON"),
        ],
        "layers": [
            {"id": lyr.id, "title": lyr.title_ja, "dataType": "vector",
             "geometryDimension": _dimension(lyr), "minTileMatrix": str(lyr.min_zoom),
             "maxTileMatrix": str(min(lyr.max_zoom, MAX_ZOOM)),
             "propertiesSchema": {"type": "object",
                                  "properties": {f.name: f.json_schema() for f in lyr.fields}}}
            for lyr in layers
        ],
    }


def _dimension(layer: Layer) -> int:
    return {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1}.get(
        layer.geometry_type, 2)


def tilejson(base: str, layers: Sequence[Layer], layer: Layer | None,
             attribution: str, bounds: list[float] | None) -> dict[str, Any]:
    path = f"{_tiles_path(base, layer)}/{TILE_MATRIX_SET_ID}"
    return {
        "tilejson": "3.0.0",
        "name": layer.id if layer else BASEMAP_ID,
        "attribution": attribution,
        "scheme": "xyz",
        "tiles": [f"{path}/{{z}}/{{y}}/{{x}}"],
        "minzoom": min(lyr.min_zoom for lyr in layers),
        "maxzoom": min(max(lyr.max_zoom for lyr in layers), MAX_ZOOM),
        "bounds": bounds or [-180, -85.0511, 180, 85.0511],
        "vector_layers": [
            {"id": lyr.id, "description": lyr.title_ja, "minzoom": lyr.min_zoom,
             "maxzoom": min(lyr.max_zoom, MAX_ZOOM),
             "fields": {f.name: f.type for f in lyr.fields}}
            for lyr in layers
        ],
    }


async def _attribution(pool: Any, layers: Sequence[Layer]) -> str:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT attribution FROM dataset WHERE layer_id = ANY($1::text[]) ORDER BY layer_id",
            [lyr.id for lyr in layers],
        )
    return " | ".join(dict.fromkeys(row[0] for row in rows))


def accepts_gzip(request: Request) -> bool:
    # The same test as Starlette's GZipMiddleware, which compresses every other response.
    return "gzip" in request.headers.get("accept-encoding", "")


def tile_headers(key: TileKey, layers: Sequence[Layer], gzipped: bool,
                 max_age: int = TILE_MAX_AGE) -> dict[str, str]:
    private = not all(lyr.is_public for lyr in layers)
    # Each content coding is its own representation, with its own entity tag (RFC 9110 8.8.3).
    etag = key.etag[:-1] + '-gz"' if gzipped else key.etag
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'private' if private else 'public'}, max-age={max_age}, "
                         "must-revalidate",
        "Vary": "Cookie, Authorization, Accept-Encoding",
    }
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return headers


async def max_age(request: Request, pool: Any, layers: Sequence[Layer]) -> int:
    """Longer in emergency mode for layers static in a disaster; live layers stay short."""
    if all(lyr.static_in_emergency for lyr in layers) and \
            await request.app.state.emergency.active(pool):
        return EMERGENCY_STATIC_MAX_AGE
    return TILE_MAX_AGE


async def cached_tile(request: Request, pool: Any, key: TileKey, layers: Sequence[Layer]
                      ) -> bytes:
    """The tile, gzip-compressed: rendered and compressed once, then served from the cache."""
    cache = request.app.state.tile_cache
    tile = cache.get(key)
    if tile is None:
        async with pool.acquire() as conn:
            raw = await render_tile(conn, layers, key.z, key.x, key.y)
        tile = await run_in_threadpool(gzip_tile, raw)
        cache.put(key, tile)
    return tile


async def serve_tile(request: Request, pool: Any, tileset: str, layers: Sequence[Layer],
                     z: int, x: int, y: int) -> Response:
    check_tile(z, x, y)
    versions = request.app.state.versions
    key = TileKey(tileset, tuple(versions.get(lyr.id) for lyr in layers), z, x, y)
    gzipped = accepts_gzip(request)
    headers = tile_headers(key, layers, gzipped, await max_age(request, pool, layers))
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    tile = await cached_tile(request, pool, key, layers)
    if not tile:
        headers.pop("Content-Encoding", None)
        return Response(status_code=204, headers=headers)
    return Response(tile if gzipped else gunzip_tile(tile), media_type=MVT, headers=headers)


def _tilesets_list(request: Request, layer: Layer | None) -> Response:
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    base = base_url(request)
    path = f"{_tiles_path(base, layer)}/{TILE_MATRIX_SET_ID}"
    doc = {"links": self_links(request), "tilesets": [{
        "title": layer.title_ja if layer else "基本図 / Basemap",
        "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "links": [link(path, "self", JSON, "tileset"),
                  link(f"{path}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", "item", MVT,
                       "Mapbox vector tiles", templated=True)],
    }]}
    return render(request, "tilesets.html", doc)


@router.get("/collections/{collectionId}/tiles", summary="Tilesets of a layer")
async def layer_tilesets(request: Request, layer: LayerDep) -> Response:
    return _tilesets_list(request, layer)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", summary="Tileset of a layer")
async def layer_tileset(request: Request, layer: LayerDep, pool: PoolDep,
                        tms_id: TileMatrixSetId) -> Response:
    _check_tms(tms_id)
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    doc = tileset_doc(base_url(request), [layer], layer, await _attribution(pool, [layer]))
    return json_response(doc)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json",
            summary="TileJSON of a layer")
async def layer_tilejson(request: Request, layer: LayerDep, pool: PoolDep,
                         tms_id: TileMatrixSetId) -> Response:
    _check_tms(tms_id)
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    return json_response(tilejson(base_url(request), [layer], layer,
                                  await _attribution(pool, [layer]),
                                  await union_bbox(request, [layer])))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/"
            "{tileCol}", summary="A vector tile of a layer",
            responses={200: {"content": {MVT: {}}}, 204: {"description": "empty tile"}})
async def layer_tile(request: Request, layer: LayerDep, pool: PoolDep, tms_id: TileMatrixSetId,
                     z: Z, y: Y, x: X) -> Response:
    _check_tms(tms_id)
    reject_unknown_parameters(request, frozenset())
    return await serve_tile(request, pool, layer.id, [layer], z, x, y)


@router.get("/tiles", summary="Basemap tilesets")
async def basemap_tilesets(request: Request) -> Response:
    return _tilesets_list(request, None)


@router.get("/tiles/{tileMatrixSetId}", summary="Basemap tileset")
async def basemap_tileset(request: Request, catalog: CatalogDep, pool: PoolDep,
                          tms_id: TileMatrixSetId) -> Response:
    _check_tms(tms_id)
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    layers = catalog.basemap_layers()
    return json_response(tileset_doc(base_url(request), layers, None,
                                     await _attribution(pool, layers)))


@router.get("/tiles/{tileMatrixSetId}/tilejson.json", summary="Basemap TileJSON")
async def basemap_tilejson(request: Request, catalog: CatalogDep, pool: PoolDep,
                           tms_id: TileMatrixSetId) -> Response:
    _check_tms(tms_id)
    reject_unknown_parameters(request, METADATA_PARAMETERS)
    layers = catalog.basemap_layers()
    return json_response(tilejson(base_url(request), layers, None,
                                  await _attribution(pool, layers),
                                  await union_bbox(request, layers)))


@router.get("/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="A basemap vector tile (all public base layers)",
            responses={200: {"content": {MVT: {}}}, 204: {"description": "empty tile"}})
async def basemap_tile(request: Request, catalog: CatalogDep, pool: PoolDep,
                       tms_id: TileMatrixSetId, z: Z, y: Y, x: X) -> Response:
    _check_tms(tms_id)
    reject_unknown_parameters(request, frozenset())
    return await serve_tile(request, pool, BASEMAP_ID, catalog.basemap_layers(), z, x, y)
