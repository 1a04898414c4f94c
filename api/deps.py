"""Typed dependencies: the pool, the caller's roles, the requested layer (access-checked), and
every OGC query parameter parsed and validated once."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, Path, Query, Request

from api import audit
from api.auth.identity import IdentityDep
from api.errors import Forbidden, InvalidParameter, NotFound, Unauthorized
from gis_core import cql2
from gis_core.access import ANONYMOUS, Role
from gis_core.catalog import Catalog, Field, Layer
from gis_core.cql2_sql import compile_filter
from gis_core.crs import CRS84_URI, OutputCrs, UnknownCrs, bbox_to_storage, parse_crs
from gis_core.features import FeatureQuery, TimeInterval
from gis_core.settings import Settings, get_settings
from gis_core.sql import Params

_SETTINGS = get_settings()
ITEMS_PARAMETERS = frozenset({"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime",
                              "filter", "filter-lang", "filter-crs", "as-of"})
MAX_FILTER_LENGTH = 20_000
MAX_PARAMETER_LENGTH = 1_000
"""Characters in any other query parameter: ids, names, dates and CRS URIs are far shorter."""
MAX_NAME_LENGTH = 100
INT8 = 2**63 - 1  # the largest PostgreSQL bigint: ids beyond it are refused before any query


def settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def pool_dep(request: Request) -> asyncpg.Pool:
    return request.app.state.pool


def catalog_dep(request: Request) -> Catalog:
    return request.app.state.catalog


async def caller_roles(request: Request, identity: IdentityDep) -> frozenset[Role]:
    """The caller's roles; anonymous callers hold only the public role."""
    return identity.roles if identity else ANONYMOUS


SettingsDep = Annotated[Settings, Depends(settings_dep)]
PoolDep = Annotated[asyncpg.Pool, Depends(pool_dep)]
CatalogDep = Annotated[Catalog, Depends(catalog_dep)]
RolesDep = Annotated[frozenset[Role], Depends(caller_roles)]


async def readable_layer(
    request: Request,
    catalog: CatalogDep,
    roles: RolesDep,
    collection_id: Annotated[str, Path(alias="collectionId", description="Layer id")],
) -> Layer:
    """The requested layer, if the caller may read it; reads of restricted layers are audited."""
    layer = catalog.get(collection_id)
    if layer is None:
        raise NotFound(f"no collection {collection_id!r}", parameter="collectionId")
    if not layer.may_read(roles):
        if roles == ANONYMOUS:
            raise Unauthorized("log in to read this collection", parameter="collectionId")
        raise Forbidden("your role may not read this collection", parameter="collectionId")
    if not layer.is_public:
        await audit.record(request, "read", f"{layer.id}:{request.url.path}",
                           {"query": str(request.url.query)})
    return layer


LayerDep = Annotated[Layer, Depends(readable_layer)]
Lon = Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False,
                             description="longitude (WGS 84), inside the service area")]
Lat = Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False,
                             description="latitude (WGS 84), inside the service area")]


def check_service_area(settings: Settings, lon: float, lat: float) -> None:
    """400 naming ``lon`` or ``lat`` for a point outside the area the city serves (the city and
    ~10 km around it): far-away points are mistakes (swapped axes, a 0,0 fix), and PostGIS
    cannot project every point on Earth into the city's plane coordinates."""
    west, south, east, north = settings.edit_extent
    if not west <= lon <= east:
        raise InvalidParameter(f"lon {lon} is outside the area this service covers "
                               f"(longitude {west} to {east})", parameter="lon")
    if not south <= lat <= north:
        raise InvalidParameter(f"lat {lat} is outside the area this service covers "
                               f"(latitude {south} to {north})", parameter="lat")


def service_point(settings: SettingsDep, lon: Lon, lat: Lat) -> tuple[float, float]:
    check_service_area(settings, lon, lat)
    return lon, lat


ServicePointDep = Annotated[tuple[float, float], Depends(service_point)]


def parse_bbox(text: str) -> tuple[float, ...]:
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter("bbox needs 4 or 6 comma-separated numbers", parameter="bbox")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter("bbox values must be numbers", parameter="bbox") from None
    if not all(math.isfinite(v) for v in values):
        raise InvalidParameter("bbox values must be finite numbers", parameter="bbox")
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if values[0] > values[2] or values[1] > values[3]:
        raise InvalidParameter("bbox minimum exceeds maximum", parameter="bbox")
    return tuple(values)


def storage_bbox(text: str, crs: OutputCrs) -> tuple[float, float, float, float]:
    values = parse_bbox(text)
    if crs.uri == CRS84_URI or (crs.srid == 4326):
        lon_lat = (values[1], values[0], values[3], values[2]) if crs.north_first else values
        if not (-180 <= lon_lat[0] <= 180 and -180 <= lon_lat[2] <= 180
                and -90 <= lon_lat[1] <= 90 and -90 <= lon_lat[3] <= 90):
            raise InvalidParameter("bbox is outside the coordinate range of its CRS",
                                   parameter="bbox")
    try:
        bounds = bbox_to_storage(values, crs)
    except Exception:
        raise InvalidParameter("bbox cannot be transformed from bbox-crs",
                               parameter="bbox") from None
    if not all(math.isfinite(v) for v in bounds):
        raise InvalidParameter("bbox is outside the area of use of bbox-crs", parameter="bbox")
    return bounds


def parse_timestamp(text: str, parameter: str) -> datetime:
    """An RFC 3339 timestamp with a time zone, representable in UTC (PostgreSQL's range)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"{parameter} {text!r} is not RFC 3339 (e.g. 2026-04-01T00:00:00Z)", parameter=parameter
        ) from None
    if value.tzinfo is None:
        raise InvalidParameter(f"{parameter} needs a time zone (Z or +09:00)", parameter=parameter)
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise InvalidParameter(f"{parameter} {text!r} is out of range",
                               parameter=parameter) from None
    return value


def _parse_instant(text: str) -> datetime | None:
    if text in ("..", ""):
        return None
    return parse_timestamp(text, "datetime")


def parse_datetime(text: str) -> TimeInterval:
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start, end = _parse_instant(start_text), _parse_instant(end_text)
        if start is None and end is None:
            raise InvalidParameter("datetime interval is open at both ends", parameter="datetime")
        if start and end and start > end:
            raise InvalidParameter("datetime interval ends before it starts",
                                   parameter="datetime")
        return TimeInterval(start, end)
    instant = _parse_instant(text)
    if instant is None:
        raise InvalidParameter("datetime is empty", parameter="datetime")
    return TimeInterval(instant, instant)


INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,18}")  # fits PostgreSQL's bigint


def _parse_integer(text: str) -> int:
    if not INTEGER_TEXT.fullmatch(text):
        raise ValueError(text)
    return int(text)


def _parse_number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _parse_boolean(text: str) -> bool:
    return {"true": True, "false": False}[text.lower()]


SCALAR_PARSERS = {"integer": _parse_integer, "number": _parse_number, "boolean": _parse_boolean}


def parse_property_value(field: Field, text: str) -> object:
    """A property filter's value as the field's type; 400 naming the field when it is not."""
    match field.type:
        case "datetime":
            return parse_timestamp(text, field.name)
        case "date":
            return _parse_date(field, text)
        case "string":
            return text
    try:
        return SCALAR_PARSERS[field.type](text)
    except (ValueError, KeyError):
        article = "an" if field.type[0] in "aeiou" else "a"
        raise InvalidParameter(f"{field.name} must be {article} {field.type}",
                               parameter=field.name) from None


def _parse_date(field: Field, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(f"{field.name} must be a date (YYYY-MM-DD)",
                               parameter=field.name) from None


def output_crs(crs: str | None, parameter: str = "crs") -> OutputCrs:
    try:
        return parse_crs(CRS84_URI if crs is None else crs)
    except UnknownCrs:
        raise InvalidParameter(f"unsupported CRS {crs!r}", parameter=parameter) from None


def reject_unknown_parameters(request: Request, allowed: frozenset[str]) -> None:
    """400 for a parameter the route does not know, or a value PostgreSQL cannot hold (NUL)."""
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            raise InvalidParameter(f"unknown query parameter {name!r}", parameter=name)
        if "\x00" in value:
            raise InvalidParameter(f"{name} contains a NUL character", parameter=name)


def bounded_query(request: Request) -> None:
    """Every route's first check (an application dependency): no query parameter longer than
    any route needs, whether or not the route reads it."""
    for name, value in request.query_params.multi_items():
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidParameter(f"a query parameter name is longer than {MAX_NAME_LENGTH} "
                                   "characters", parameter=name[:MAX_NAME_LENGTH])
        limit = MAX_FILTER_LENGTH if name == "filter" else MAX_PARAMETER_LENGTH
        if len(value) > limit:
            raise InvalidParameter(f"{name} is longer than {limit} characters", parameter=name)


def feature_query(
    request: Request,
    layer: LayerDep,
    bbox: Annotated[str | None, Query(
        description="minx,miny,maxx,maxy in bbox-crs (default CRS84)",
        examples=["139.42,35.74,139.43,35.75"])] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    crs: Annotated[str | None, Query(description="CRS URI of the response")] = None,
    limit: Annotated[int, Query(ge=1, le=_SETTINGS.max_limit)] = _SETTINGS.default_limit,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    datetime_text: Annotated[str | None, Query(alias="datetime")] = None,
    f: Annotated[str | None, Query(description="json or html")] = None,
    filter_text: Annotated[str | None, Query(
        alias="filter", max_length=MAX_FILTER_LENGTH,
        description="CQL2 filter, e.g. capacity > 500 AND S_DWITHIN(geom, POINT(139.43 35.745), "
                    "800, meters); the URL, percent-encoded, may have at most 64 KiB")] = None,
    filter_lang: Annotated[str, Query(alias="filter-lang")] = "cql2-text",
    filter_crs: Annotated[str | None, Query(alias="filter-crs")] = None,
    as_of: Annotated[str | None, Query(
        alias="as-of", description="RFC 3339 instant: the features as they were then "
        "(editable layers keep their history)", examples=["2026-04-01T09:00:00+09:00"])] = None,
) -> FeatureQuery:
    filterable = {fl.name: fl for fl in layer.fields if fl.filterable and fl.expression is None}
    reject_unknown_parameters(request, ITEMS_PARAMETERS | filterable.keys())
    filters = tuple(
        (filterable[name], parse_property_value(filterable[name], value))
        for name, value in request.query_params.items() if name in filterable
    )
    in_bbox_crs = output_crs(bbox_crs, "bbox-crs")  # checked even without a bbox
    return FeatureQuery(
        crs=output_crs(crs),
        limit=limit,
        offset=offset,
        bbox=storage_bbox(bbox, in_bbox_crs) if bbox is not None else None,
        filters=filters,
        interval=parse_datetime(datetime_text) if datetime_text is not None else None,
        cql=parse_filter(layer, filter_text, filter_lang),
        filter_crs=output_crs(filter_crs, "filter-crs") if filter_crs is not None else None,
        as_of=parse_as_of(layer, as_of) if as_of is not None else None,
    )


def parse_as_of(layer: Layer, text: str) -> datetime:
    if not layer.keeps_history:
        raise InvalidParameter(f"{layer.id} keeps no history", parameter="as-of")
    return parse_timestamp(text, "as-of")


def parse_filter(layer: Layer, text: str | None, lang: str) -> object:
    """Parse and dry-compile the filter so that every error is a 400 naming ``filter``."""
    if text is None:
        return None
    try:
        node = cql2.parse(text, lang)
        compile_filter(node, layer, Params(), parse_crs(CRS84_URI))
    except cql2.FilterError as exc:
        parameter = "filter-lang" if "filter-lang" in str(exc) else "filter"
        raise InvalidParameter(str(exc), parameter=parameter) from None
    return node


FeatureQueryDep = Annotated[FeatureQuery, Depends(feature_query)]
