"""Checking features that clients write: GeoJSON geometry (well-formed, finite, valid, of the
layer's type, in a sane place, reprojected from the request's CRS) and attributes (known,
writable, of the field's type, within the column's limits). Every error names the member it is
about (``geometry``, ``geometry.coordinates``, ``properties.capacity``, …).

Policies:
- Single geometries are promoted to the layer's Multi* type; a Multi* of one part is accepted
  by a single-type layer; anything else of the wrong type is refused.
- Validity is judged in the coordinates the client sent, so the place named in a message such as
  "Self-intersection at (139.43, 35.75)" is one the client can find.
- Read-only properties (the id, ``updated_at``, computed fields, ``feature_version``) are
  ignored, not refused: clients such as QGIS send back everything they read. Unknown ones are
  refused, naming the property.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any, Literal

import asyncpg
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import MultiLineString, MultiPoint, MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from gis_core.catalog import UPDATED_AT, VERSION_PROPERTY, Field, Layer
from gis_core.crs import STORAGE_SRID, OutputCrs

Mode = Literal["create", "replace", "patch"]
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon")
NESTING = {"Point": 1, "LineString": 2, "MultiPoint": 2, "Polygon": 3, "MultiLineString": 3,
           "MultiPolygon": 4}
GEOMETRY_FORMATS = {kind: f"geometry-{kind.lower()}" for kind in GEOMETRY_TYPES}
MULTI = {"MultiPoint": MultiPoint, "MultiLineString": MultiLineString,
         "MultiPolygon": MultiPolygon}
INTEGER_RANGES = {"smallint": 2**15, "integer": 2**31, "bigint": 2**63}
VALID = "Valid Geometry"
EARTH_HALF_CIRCUMFERENCE_M = 2.0e7


class FeatureInvalid(ValueError):
    """A feature a client sent cannot be stored; ``member`` names the part that is wrong."""

    def __init__(self, member: str, message: str) -> None:
        super().__init__(message)
        self.member = member


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = _Default()
"""A column left to its default (a replaced feature that omits an attribute with one)."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # format_type(): integer, text, character varying(40), numeric, …
    not_null: bool
    has_default: bool


async def table_columns(conn: asyncpg.Connection, table: str) -> dict[str, Column]:
    rows = await conn.fetch(
        "SELECT attname, format_type(atttypid, atttypmod), attnotnull, atthasdef "
        "FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attgenerated = ''", table)
    return {row[0]: Column(*row) for row in rows}


@dataclass(frozen=True)
class FeatureInput:
    """A checked feature: geometry in EPSG:4326 (None: a patch that keeps it), column values,
    and the version the client says it read (``feature_version`` echoed back)."""

    geometry: BaseGeometry | None
    values: dict[str, object]
    read_version: int | None


@dataclass(frozen=True)
class Target:
    """Where the feature goes: the layer, its table's columns, the CRS of the request's
    coordinates and the box edited geometries must lie in."""

    layer: Layer
    columns: dict[str, Column]
    crs: OutputCrs
    extent: tuple[float, float, float, float]


def parse_feature(body: object, target: Target, mode: Mode,
                  feature_id: int | None = None) -> FeatureInput:
    if not isinstance(body, dict):
        raise FeatureInvalid("body", "the body must be a GeoJSON Feature (a JSON object)")
    if mode != "patch" or "type" in body:
        _check_type(body.get("type"))
    _check_id(body, mode, feature_id)
    geometry = None
    if mode != "patch" or "geometry" in body:
        geometry = parse_geometry(body.get("geometry"), target)
    properties = body.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise FeatureInvalid("properties", "properties must be a JSON object")
    return FeatureInput(geometry, parse_properties(properties, target, complete=mode != "patch"),
                        _read_version(properties))


def _check_type(kind: object) -> None:
    if kind == "FeatureCollection":
        raise FeatureInvalid("type", "send one Feature per request, not a FeatureCollection")
    if kind != "Feature":
        raise FeatureInvalid("type", "type must be 'Feature'")


def _check_id(body: dict[str, Any], mode: Mode, feature_id: int | None) -> None:
    """POST: the server assigns ids, a client's is ignored. PUT/PATCH: it must be the URL's."""
    if mode == "create" or body.get("id") is None:
        return
    if str(body["id"]) != str(feature_id):
        raise FeatureInvalid("id", f"id {body['id']!r} is not the id in the URL ({feature_id})")


def _read_version(properties: dict[str, Any]) -> int | None:
    value = properties.get(VERSION_PROPERTY)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FeatureInvalid(f"properties.{VERSION_PROPERTY}",
                             f"{VERSION_PROPERTY} must be the version you read (an integer)")
    return value


# --- geometry -----------------------------------------------------------------------------

def parse_geometry(obj: object, target: Target) -> BaseGeometry:
    geometry = checked_geometry(_shape(obj), request_crs(target.crs), target.extent)
    return conform(geometry, target.layer.geometry_type)


def checked_geometry(geometry: BaseGeometry, source: SourceCrs,
                     extent: tuple[float, float, float, float]) -> BaseGeometry:
    """The geometry in lon/lat (EPSG:4326) if it is finite, valid in the coordinates it came in
    and plausible: within ``extent`` once reprojected. The one check of every geometry edited or
    imported; FeatureInvalid says what is wrong, with a hint when the CRS looks mistaken."""
    coordinates = shapely.get_coordinates(geometry)  # z, if any, is dropped
    if not np.isfinite(coordinates).all():
        raise FeatureInvalid("geometry.coordinates", "coordinates must be finite numbers")
    geometry = shapely.force_2d(geometry)
    reason = shapely.is_valid_reason(geometry)
    if reason != VALID:
        raise FeatureInvalid("geometry",
                             f"the geometry is not valid: {describe_invalidity(reason)}")
    if source.north_first:
        geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    stored = to_storage(geometry, source)
    if not _within(stored, extent):
        raise FeatureInvalid(*_misplaced(geometry, source, extent))
    return stored


def _shape(obj: object) -> BaseGeometry:
    if obj is None:
        raise FeatureInvalid("geometry", "a feature of this layer needs a geometry")
    if not isinstance(obj, dict):
        raise FeatureInvalid("geometry", "geometry must be a GeoJSON geometry object")
    kind = obj.get("type")
    if kind not in GEOMETRY_TYPES:
        raise FeatureInvalid("geometry.type", f"geometry type {kind!r} is not one of "
                             f"{', '.join(GEOMETRY_TYPES)}")
    if not isinstance(obj.get("coordinates"), list):
        raise FeatureInvalid("geometry.coordinates", "coordinates must be an array")
    if not _nested(obj["coordinates"], NESTING[kind]):
        raise FeatureInvalid("geometry.coordinates", f"the coordinates of a {kind} are "
                             f"{NESTING[kind] - 1} level(s) of arrays around [x, y] numbers")
    try:
        geometry = shape({"type": kind, "coordinates": obj["coordinates"]})
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, OverflowError,
            shapely.errors.ShapelyError) as exc:
        raise FeatureInvalid("geometry.coordinates",
                             f"the coordinates do not make a {kind}: {exc}") from None
    if geometry.is_empty:
        raise FeatureInvalid("geometry.coordinates", "the geometry is empty")
    return geometry


def _nested(coordinates: object, depth: int) -> bool:
    """Arrays nested ``depth`` deep, with positions of 2 or 3 numbers at the bottom."""
    if not isinstance(coordinates, list):
        return False
    if depth == 1:
        return 2 <= len(coordinates) <= 3 and all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
    return all(_nested(c, depth - 1) for c in coordinates)


def describe_invalidity(reason: str) -> str:
    """GEOS's "Self-intersection[139.43 35.75]" as "Self-intersection at (139.43, 35.75)"."""
    found = re.fullmatch(r"(.+?)\[(\S+) (\S+)\]", reason)
    if not found:
        return reason
    return f"{found[1]} at ({found[2]}, {found[3]})"


@dataclass(frozen=True)
class SourceCrs:
    """The CRS coordinates come in and who says so, for messages: ``declared`` reads "the file
    declares", ``parameter`` names the input that sets it (``crs``, ``Content-Crs``)."""

    crs: CRS
    declared: str
    parameter: str
    north_first: bool = False

    @cached_property
    def name(self) -> str:
        authority = self.crs.to_authority()
        return ":".join(authority) if authority else self.crs.name

    @cached_property
    def transformer(self) -> Transformer | None:
        """None when the coordinates are lon/lat on WGS 84 already."""
        if self.crs.equals(CRS.from_epsg(STORAGE_SRID), ignore_axis_order=True):
            return None
        return Transformer.from_crs(self.crs, STORAGE_SRID, always_xy=True)


@lru_cache(maxsize=16)
def request_crs(crs: OutputCrs) -> SourceCrs:
    """The CRS of a request's coordinates (Content-Crs, bbox-crs)."""
    return SourceCrs(CRS.from_epsg(crs.srid), "the request is in", "Content-Crs",
                     crs.north_first)


def to_storage(geometry: BaseGeometry, source: SourceCrs) -> BaseGeometry:
    """Coordinates in ``source`` (easting first) as lon/lat in EPSG:4326; inf where PROJ
    cannot place them."""
    transformer = source.transformer
    if transformer is None:
        return geometry
    return shapely.transform(
        geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def conform(geometry: BaseGeometry, layer_type: str) -> BaseGeometry:
    kind = geometry.geom_type
    if kind == layer_type:
        return geometry
    if layer_type == f"Multi{kind}":
        return MULTI[layer_type]([geometry])
    if kind == f"Multi{layer_type}" and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    raise FeatureInvalid("geometry.type", f"this layer holds {layer_type} geometries, not {kind}")


def _within(geometry: BaseGeometry, extent: tuple[float, float, float, float]) -> bool:
    west, south, east, north = extent
    minx, miny, maxx, maxy = geometry.bounds
    return west <= minx and south <= miny and maxx <= east and maxy <= north


def _misplaced(geometry: BaseGeometry, source: SourceCrs,
               extent: tuple[float, float, float, float]) -> tuple[str, str]:
    """The member and message for a geometry (in ``source``, easting first) that does not land
    in ``extent``: degrees declared as metres, metres declared as degrees, or just elsewhere."""
    x, y = shapely.get_coordinates(geometry)[0]
    size = np.abs(shapely.get_coordinates(geometry))
    look_like_degrees = bool((size[:, 0] <= 180).all() and (size[:, 1] <= 90).all())
    look_like_metres = bool((size > 360).any() and (size < EARTH_HALF_CIRCUMFERENCE_M).all())
    if source.crs.is_projected and look_like_degrees:
        return source.parameter, (
            f"the coordinates look like longitude/latitude degrees ({x:.4g}, {y:.4g}); "
            f"{source.declared} {source.name}, in metres — declare EPSG:4326 or EPSG:6668")
    if source.crs.is_geographic and look_like_metres:
        return source.parameter, (
            f"the coordinates look like metres ({x:.0f}, {y:.0f}); {source.declared} "
            f"{source.name}, in degrees — declare the CRS they are in, e.g. EPSG:6677")
    west, south, east, north = extent
    return "geometry", (
        f"the geometry lies outside the area edited here (longitude {west} to {east}, latitude "
        f"{south} to {north}): check the axis order and the CRS ({source.declared} "
        f"{source.name})")


# --- attributes ---------------------------------------------------------------------------

def parse_properties(properties: dict[str, Any], target: Target,
                     complete: bool) -> dict[str, object]:
    """Column values of the writable properties; ``complete`` (POST, PUT) also fills in the
    omitted ones: NULL, or the column's default, or 400 when the column needs a value."""
    layer = target.layer
    values: dict[str, object] = {}
    for name, value in properties.items():
        if layer.is_read_only(name):
            continue
        field = layer.field(name)
        if field is None or name not in target.columns:
            writable = ", ".join(f.name for f in layer.editable_fields)
            raise FeatureInvalid(f"properties.{name}",
                                 f"unknown property {name!r}; {layer.id} has {writable}")
        values[name] = coerce(field, target.columns[name], value)
    if complete:
        for field in layer.editable_fields:
            if field.name not in values:
                values[field.name] = _omitted(field, target.columns[field.name])
    return values


def _omitted(field: Field, column: Column) -> object:
    if column.has_default:
        return DEFAULT
    if column.not_null:
        raise FeatureInvalid(f"properties.{field.name}", f"{field.name} is required")
    return None


def coerce(field: Field, column: Column, value: object) -> object:
    """The value as the column's Python type, or FeatureInvalid naming the property."""
    member = f"properties.{field.name}"
    if value is None:
        if column.not_null:
            raise FeatureInvalid(member, f"{field.name} may not be null")
        return None
    try:
        return _within_limit(field, COERCERS[field.type](value, column))
    except (ValueError, TypeError, OverflowError) as exc:
        raise FeatureInvalid(member, f"{field.name} {exc}") from None


def _within_limit(field: Field, value: object) -> object:
    limit = field.length_limit
    if limit is not None and isinstance(value, str) and len(value) > limit:
        raise ValueError(f"must have at most {limit} characters (has {len(value)})")
    return value


def _string(value: object, column: Column) -> str:
    if not isinstance(value, str):
        raise TypeError("must be a string")
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    limit = re.search(r"\((\d+)\)", column.type)
    if limit and len(value) > int(limit[1]):
        raise ValueError(f"must have at most {limit[1]} characters")
    return value


def _integer(value: object, column: Column) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("must be an integer")
    bound = INTEGER_RANGES.get(column.type, 2**63)
    if not -bound <= value < bound:
        raise ValueError(f"must be between {-bound} and {bound - 1}")
    return value


def _number(value: object, column: Column) -> float | Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("must be a number")
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return Decimal(repr(value)) if column.type.startswith("numeric") else float(value)


def _boolean(value: object, column: Column) -> bool:
    if value in ("true", "false"):  # older QGIS writes booleans as strings
        return value == "true"
    if not isinstance(value, bool):
        raise TypeError("must be true or false")
    return value


def _date(value: object, column: Column) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date (YYYY-MM-DD)")
    return date.fromisoformat(value)


def _datetime(value: object, column: Column) -> datetime:
    if not isinstance(value, str):
        raise TypeError("must be an RFC 3339 date-time")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("needs a time zone (Z or +09:00)")
    return parsed


COERCERS = {"string": _string, "integer": _integer, "number": _number, "boolean": _boolean,
            "date": _date, "datetime": _datetime}


# --- the schema clients see ---------------------------------------------------------------

def feature_schema(layer: Layer, columns: dict[str, Column], schema_id: str) -> dict[str, Any]:
    """JSON Schema of the layer's features (OGC API Features Part 5 style): types, which
    properties are required, which are read-only, the roles of id, geometry and time."""
    properties: dict[str, Any] = {
        layer.id_column: {"title": "ID", "type": "integer", "readOnly": True, "x-ogc-role": "id"},
        layer.geometry_column: {"title": "形状 / Geometry",
                                "format": GEOMETRY_FORMATS[layer.geometry_type],
                                "x-ogc-role": "primary-geometry"},
    }
    required = []
    for field in layer.fields:
        properties[field.name] = _field_schema(layer, field, columns.get(field.name))
        column = columns.get(field.name)
        if field in layer.editable_fields and column and column.not_null and not column.has_default:
            required.append(field.name)
    if layer.keeps_history:
        properties[VERSION_PROPERTY] = {"title": "版", "x-title-en": "Version",
                                        "type": "integer", "readOnly": True}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id,
            "title": layer.title_ja, "type": "object", "properties": properties,
            "required": required, "additionalProperties": False}


def _field_schema(layer: Layer, field: Field, column: Column | None) -> dict[str, Any]:
    schema: dict[str, Any] = field.json_schema()
    if field not in layer.editable_fields:
        schema["readOnly"] = True
    if field.name == UPDATED_AT.name:
        schema["x-ogc-role"] = "primary-instant"
    if column is not None and not column.not_null:
        schema["type"] = [schema["type"], "null"]
    limit = re.search(r"\((\d+)\)", column.type) if column and field.type == "string" else None
    if limit:
        schema["maxLength"] = min(int(limit[1]), field.length_limit or int(limit[1]))
    return schema
