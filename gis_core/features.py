"""The SQL behind OGC API Features: one parameterised query per request, built from a layer of
the catalog and validated query parameters. Features are serialised to GeoJSON by PostGIS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from gis_core.catalog import VERSION_PROPERTY, Field, Layer
from gis_core.cql2_sql import compile_filter
from gis_core.crs import CRS84_URI, STORAGE_SRID, OutputCrs, parse_crs
from gis_core.history import as_of_source_sql, current_version_sql, version_source_sql
from gis_core.sql import Params


@dataclass(frozen=True)
class TimeInterval:
    """A closed interval; None on either side means open (``..``)."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class FeatureQuery:
    crs: OutputCrs
    limit: int
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None  # lon/lat in EPSG:4326
    filters: tuple[tuple[Field, object], ...] = ()
    interval: TimeInterval | None = None
    cql: Any = None  # a pygeofilter syntax tree (gis_core.cql2)
    filter_crs: OutputCrs | None = None
    as_of: datetime | None = None  # the layer as it was then (feature history)


# Property-filter values are bound with a type of their own, not the column's: a bigint value
# compared with an integer column cannot overflow the column's type.
PARAMETER_TYPES = {"string": "text", "integer": "bigint", "number": "double precision",
                   "boolean": "boolean", "date": "date", "datetime": "timestamptz"}


def geometry_json_sql(layer: Layer, crs: OutputCrs) -> str:
    geometry = f't."{layer.geometry_column}"'
    if crs.srid != STORAGE_SRID:
        geometry = f"ST_Transform({geometry}, {crs.srid})"
    if crs.north_first:
        geometry = f"ST_FlipCoordinates({geometry})"
    return f"ST_AsGeoJSON({geometry}, {crs.decimals}, 0)::json"


def version_sql(layer: Layer, past: bool) -> str | None:
    """The feature's version: a column of the past relations, else looked up in the history."""
    if not layer.keeps_history:
        return None
    return f"t.{VERSION_PROPERTY}" if past else current_version_sql(layer, f't."{layer.id_column}"')


def properties_sql(layer: Layer, past: bool = False) -> str:
    pairs = [f"'{f.name}', {f.sql}" for f in layer.fields]
    if (version := version_sql(layer, past)) is not None:
        pairs.append(f"'{VERSION_PROPERTY}', {version}")
    return f"json_build_object({', '.join(pairs)})"


def feature_json_sql(layer: Layer, crs: OutputCrs, past: bool = False) -> str:
    return (
        "json_build_object('type', 'Feature', "
        f"'id', t.\"{layer.id_column}\", "
        f"'geometry', {geometry_json_sql(layer, crs)}, "
        f"'properties', {properties_sql(layer, past)})::text"
    )


def source_sql(layer: Layer, query: FeatureQuery, params: Params) -> str:
    """The layer's table, or its features as they were at ``query.as_of``."""
    if query.as_of is None:
        return layer.table
    return as_of_source_sql(layer, query.as_of, params)


def where_sql(layer: Layer, query: FeatureQuery, params: Params) -> str:
    clauses: list[str] = []
    if query.bbox is not None:
        envelope = "ST_MakeEnvelope({}, {}, {}, {}, 4326)".format(
            *(params.add(v) for v in query.bbox)
        )
        clauses.append(f't."{layer.geometry_column}" && {envelope}')
        clauses.append(f'ST_Intersects(t."{layer.geometry_column}", {envelope})')
    for prop, value in query.filters:
        clauses.append(f"{prop.sql} = {params.add(value)}::{PARAMETER_TYPES[prop.type]}")
    if query.interval is not None and layer.temporal_field:
        column = layer.field(layer.temporal_field)
        assert column is not None, "temporal_field must name a field of the layer"
        if query.interval.start is not None:
            clauses.append(f"{column.sql} >= {params.add(query.interval.start)}")
        if query.interval.end is not None:
            clauses.append(f"{column.sql} <= {params.add(query.interval.end)}")
    if query.cql is not None:
        filter_crs = query.filter_crs or parse_crs(CRS84_URI)
        clauses.append(compile_filter(query.cql, layer, params, filter_crs))
    return " AND ".join(clauses) or "TRUE"


def items_sql(layer: Layer, query: FeatureQuery) -> tuple[str, list[object]]:
    params = Params()
    source = source_sql(layer, query, params)
    where = where_sql(layer, query, params)
    sql = (
        f"SELECT {feature_json_sql(layer, query.crs, query.as_of is not None)} "
        f"FROM {source} t WHERE {where} "
        f'ORDER BY t."{layer.id_column}" '
        f"LIMIT {params.add(query.limit)} OFFSET {params.add(query.offset)}"
    )
    return sql, params.values


def capped_count_sql(layer: Layer, query: FeatureQuery, cap: int) -> tuple[str, list[object]]:
    params = Params()
    source = source_sql(layer, query, params)
    where = where_sql(layer, query, params)
    sql = (
        f"SELECT count(*) FROM (SELECT 1 FROM {source} t WHERE {where} "
        f"LIMIT {params.add(cap + 1)}) matched"
    )
    return sql, params.values


async def estimated_rows(conn: asyncpg.Connection, layer: Layer) -> float:
    value = await conn.fetchval(
        "SELECT reltuples FROM pg_class WHERE oid = $1::regclass", layer.table
    )
    return float(value or 0)


async def number_matched(
    conn: asyncpg.Connection, layer: Layer, query: FeatureQuery, cap: int
) -> int | None:
    """The exact count when it is at most ``cap``; None (not reported) for larger results.
    Unfiltered queries on tables estimated larger than ``cap`` are not counted at all."""
    unfiltered = (query.bbox is None and not query.filters and query.interval is None
                  and query.cql is None and query.as_of is None)
    if unfiltered and await estimated_rows(conn, layer) > cap:
        return None
    sql, args = capped_count_sql(layer, query, cap)
    count = await conn.fetchval(sql, *args)
    return count if count <= cap else None


async def fetch_items(conn: asyncpg.Connection, layer: Layer, query: FeatureQuery) -> list[str]:
    sql, args = items_sql(layer, query)
    return [row[0] for row in await conn.fetch(sql, *args)]


async def fetch_feature(
    conn: asyncpg.Connection, layer: Layer, feature_id: int, crs: OutputCrs
) -> str | None:
    sql = (
        f"SELECT {feature_json_sql(layer, crs)} FROM {layer.table} t "
        f'WHERE t."{layer.id_column}" = $1::bigint'  # bigint: no overflow on an integer column
    )
    return await conn.fetchval(sql, feature_id)


async def fetch_version(
    conn: asyncpg.Connection, layer: Layer, feature_id: int, version: int, crs: OutputCrs
) -> tuple[str, str] | None:
    """One version of a feature as GeoJSON, and what made it (insert, update or delete)."""
    sql = (f"SELECT {feature_json_sql(layer, crs, past=True)}, t.version_op "
           f"FROM {version_source_sql(layer)} t")
    row = await conn.fetchrow(sql, feature_id, version)
    return None if row is None else (row[0], row[1])


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None  # CRS84
    interval: tuple[datetime | None, datetime | None] | None


def _extent_sql(layer: Layer) -> str:
    time = layer.field(layer.temporal_field) if layer.temporal_field else None
    time_sql = f"min({time.sql}) AS t0, max({time.sql}) AS t1" if time else "NULL AS t0, NULL AS t1"
    return (
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), t0, t1 FROM ("
        f'SELECT ST_Extent(t."{layer.geometry_column}") AS e, {time_sql} '
        f"FROM {layer.table} t) x"
    )


async def layer_extent(conn: asyncpg.Connection, layer: Layer) -> Extent:
    row = await conn.fetchrow(_extent_sql(layer))
    bbox = None if row[0] is None else tuple(round(float(v), 7) for v in row[:4])
    interval = (row[4], row[5]) if row[4] is not None else None
    return Extent(bbox, interval)
