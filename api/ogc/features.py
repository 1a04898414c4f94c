"""OGC API – Features Part 1 (Core) and Part 2 (CRS by reference), for every catalog layer."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import (
    CatalogDep,
    FeatureQueryDep,
    LayerDep,
    PoolDep,
    RolesDep,
    output_crs,
    reject_unknown_parameters,
)
from api.errors import NotFound
from api.ogc.common import (
    GEOJSON,
    HTML,
    JSON,
    base_url,
    json_response,
    link,
    render,
    self_links,
    wants_html,
)
from api.ogc.editing import etag
from api.ogc.extents import Extent, extent_doc, layer_extent
from api.openapi import OPENAPI_30, OPENAPI_31, openapi_media_type, wanted_version
from gis_core import features
from gis_core.catalog import VERSION_PROPERTY, Layer
from gis_core.crs import CRS84_URI, supported
from gis_core.validation import GEOMETRY_FORMATS

router = APIRouter(tags=["OGC API - Features"])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/collections",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
]
FeatureId = Annotated[str, Path(alias="featureId")]
FEATURE_ID = re.compile(r"[0-9]{1,18}")  # ids are bigint


@router.get("/", summary="Landing page")
async def landing(request: Request) -> Response:
    base = base_url(request)
    settings = request.app.state.settings
    doc = {
        "title": f"citygis — {settings.city_name_ja} 地理空間情報 API",
        "description": f"OGC API – Features and Tiles of {settings.city_name_en}: "
                       "the city's layers for maps and GIS clients such as QGIS.",
        "links": [
            *self_links(request),
            link(f"{base}/api", "service-desc", OPENAPI_31, "API definition (OpenAPI 3.1)"),
            link(f"{base}/api?version=3.0", "service-desc", OPENAPI_30,
                 "API definition (OpenAPI 3.0)"),
            link(f"{base}/conformance", "conformance", JSON, "Conformance classes"),
            link(f"{base}/collections", "data", JSON, "Collections (layers)"),
            link(f"{base}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", JSON,
                 "Basemap vector tiles"),
            link(f"{base}/tileMatrixSets", "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
                 JSON, "Tile matrix sets"),
        ],
    }
    return render(request, "landing.html", doc)


@router.get("/conformance", summary="Conformance classes")
async def conformance(request: Request) -> Response:
    return render(request, "conformance.html", {"conformsTo": CONFORMANCE})


@router.get("/api", summary="API definition (OpenAPI 3.1, or 3.0 with version=3.0 or Accept)",
            include_in_schema=False)
async def api_definition(
    request: Request,
    version: Annotated[Literal["3.0", "3.1"] | None, Query(
        description="OpenAPI version; default from Accept, else 3.1")] = None,
) -> Response:
    accept = request.headers.get("accept", "")
    chosen = wanted_version(accept, version)
    doc = request.app.state.openapi_30() if chosen == "3.0" else request.app.openapi()
    return Response(orjson.dumps(doc), media_type=openapi_media_type(accept, chosen))


async def _datasets(pool: Any) -> dict[str, dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT layer_id, source_ja, source_en, license, attribution, is_sample, "
            "feature_count, loaded_at FROM dataset"
        )
    return {row["layer_id"]: dict(row) for row in rows}


def collection_doc(layer: Layer, base: str, extent: Extent,
                   dataset: dict[str, Any] | None) -> dict[str, Any]:
    items = f"{base}/collections/{layer.id}/items"
    doc: dict[str, Any] = {
        "id": layer.id,
        "title": layer.title_ja,
        "description": layer.description_ja,
        "x-title-en": layer.title_en,
        "x-description-en": layer.description_en,
        "keywords": list(layer.keywords),
        "itemType": "feature",
        "crs": list(supported()),
        "storageCrs": CRS84_URI,
        "x-fields": [{"name": f.name, "type": f.type, "title_ja": f.title_ja,
                      "title_en": f.title_en} for f in layer.fields],
        "x-geometry-type": layer.geometry_type,
        "links": [
            link(f"{base}/collections/{layer.id}", "self", JSON, layer.title_ja),
            link(items, "items", GEOJSON, f"{layer.title_ja} (GeoJSON)"),
            link(f"{items}?f=html", "items", HTML, f"{layer.title_ja} (HTML)"),
            link(f"{base}/collections/{layer.id}/queryables",
                 "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json",
                 "Queryables"),
            link(f"{base}/collections/{layer.id}/queryables", "queryables",
                 "application/schema+json", "Queryables"),
            link(f"{base}/collections/{layer.id}/tiles", "http://www.opengis.net/def/rel/ogc/1.0/"
                 "tilesets-vector", JSON, "Vector tiles"),
            link(f"{base}/collections/{layer.id}/schema", "http://www.opengis.net/def/rel/ogc/1.0/"
                 "schema", "application/schema+json", "Schema of the features"),
        ],
    }
    doc["extent"] = extent_doc(extent)
    if dataset is not None:
        doc["attribution"] = dataset["attribution"]
        doc["x-source"] = {"ja": dataset["source_ja"], "en": dataset["source_en"],
                           "license": dataset["license"], "isSample": dataset["is_sample"],
                           "loadedAt": dataset["loaded_at"].isoformat()}
    return doc


@router.get("/collections", summary="The layers you may read")
async def collections(request: Request, catalog: CatalogDep, roles: RolesDep,
                      pool: PoolDep) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    base = base_url(request)
    datasets = await _datasets(pool)
    docs = [
        collection_doc(layer, base, await layer_extent(request, layer), datasets.get(layer.id))
        for layer in catalog.readable(roles)
    ]
    body = {"links": self_links(request), "collections": docs, "crs": list(supported())}
    return render(request, "collections.html", body)


@router.get("/collections/{collectionId}", summary="One layer")
async def collection(request: Request, layer: LayerDep, pool: PoolDep) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    datasets = await _datasets(pool)
    doc = collection_doc(layer, base_url(request), await layer_extent(request, layer),
                         datasets.get(layer.id))
    doc["links"] = self_links(request) + doc["links"][1:]
    return render(request, "collection.html", doc, html_extra={"layer": layer})


@router.get("/collections/{collectionId}/queryables", summary="What a filter may use")
async def queryables(request: Request, layer: LayerDep) -> Response:
    reject_unknown_parameters(request, frozenset({"f"}))
    properties: dict[str, Any] = {
        "geom": {"title": "形状 / Geometry", "format": GEOMETRY_FORMATS[layer.geometry_type],
                 "x-ogc-role": "primary-geometry"},
    }
    properties.update({f.name: f.json_schema() for f in layer.fields if f.filterable})
    doc = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base_url(request)}/collections/{layer.id}/queryables",
        "type": "object", "title": layer.title_ja, "properties": properties,
        "additionalProperties": False,
    }
    return json_response(doc, "application/schema+json")


def _page_links(request: Request, query: features.FeatureQuery, returned: int,
                matched: int | None) -> list[dict[str, Any]]:
    links = self_links(request, GEOJSON)
    more = returned == query.limit and (matched is None or query.offset + returned < matched)
    if more:
        href = str(request.url.include_query_params(offset=query.offset + query.limit))
        links.append(link(href, "next", GEOJSON, "next page"))
    if query.offset > 0:
        href = str(request.url.include_query_params(offset=max(0, query.offset - query.limit)))
        links.append(link(href, "prev", GEOJSON, "previous page"))
    return links


@router.get("/collections/{collectionId}/items", summary="Features of a layer")
async def items(request: Request, layer: LayerDep, query: FeatureQueryDep,
                pool: PoolDep) -> Response:
    cap = request.app.state.settings.exact_count_cap
    async with pool.acquire() as conn:
        rows = await features.fetch_items(conn, layer, query)
        matched = await features.number_matched(conn, layer, query, cap)
    head: dict[str, Any] = {
        "type": "FeatureCollection",
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "numberReturned": len(rows),
        "links": _page_links(request, query, len(rows), matched),
    }
    if matched is not None:
        head["numberMatched"] = matched
    crs_header = {"Content-Crs": f"<{query.crs.uri}>"}
    if wants_html(request):
        doc = {**head, "features": [orjson.loads(r) for r in rows]}
        return render(request, "items.html", doc, headers=crs_header, html_extra={"layer": layer})
    body = orjson.dumps(head)[:-1] + b',"features":[' + ",".join(rows).encode() + b"]}"
    return Response(body, media_type=GEOJSON, headers=crs_header)


@router.get("/collections/{collectionId}/items/{featureId}", summary="One feature")
async def item(request: Request, layer: LayerDep, pool: PoolDep, feature_id: FeatureId,
               crs: str | None = None) -> Response:
    reject_unknown_parameters(request, frozenset({"f", "crs"}))
    out = output_crs(crs)
    if not FEATURE_ID.fullmatch(feature_id):  # not str.isdigit: "²" is a digit to it
        raise NotFound(f"no feature {feature_id!r} in {layer.id}", parameter="featureId")
    async with pool.acquire() as conn:
        text = await features.fetch_feature(conn, layer, int(feature_id), out)
    if text is None:
        raise NotFound(f"no feature {feature_id!r} in {layer.id}", parameter="featureId")
    feature = orjson.loads(text)
    base = base_url(request)
    feature["links"] = [
        *self_links(request, GEOJSON),
        link(f"{base}/collections/{layer.id}", "collection", JSON, layer.title_ja),
    ]
    headers = {"Content-Crs": f"<{out.uri}>"}
    version = feature["properties"].get(VERSION_PROPERTY)
    if version and not wants_html(request):
        headers["ETag"] = etag(version, out.uri)
    return render(request, "feature.html", feature, GEOJSON, headers,
                  html_extra={"layer": layer})
