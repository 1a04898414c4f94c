"""Layer extents (CRS84 bbox and time interval), cached per layer version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request

from gis_core.catalog import Layer


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None
    interval: tuple[datetime | None, datetime | None] | None


def _extent_sql(layer: Layer) -> str:
    time = layer.field(layer.temporal_field) if layer.temporal_field else None
    time_sql = f"min({time.sql}) AS t0, max({time.sql}) AS t1" if time else "NULL AS t0, NULL AS t1"
    return (
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), t0, t1 FROM ("
        f'SELECT ST_Extent(t."{layer.geometry_column}") AS e, {time_sql} '
        f"FROM {layer.table} t) x"
    )


async def layer_extent(request: Request, layer: Layer) -> Extent:
    state = request.app.state
    version = state.versions.get(layer.id)
    cached = state.extents.get(layer.id)
    if cached is not None and cached[0] == version:
        return cached[1]
    async with state.pool.acquire() as conn:
        row = await conn.fetchrow(_extent_sql(layer))
    bbox = None if row[0] is None else tuple(round(float(v), 7) for v in row[:4])
    interval = (row[4], row[5]) if layer.temporal_field and row[4] is not None else None
    extent = Extent(bbox, interval)
    state.extents[layer.id] = (version, extent)
    return extent


async def union_bbox(request: Request, layers: Sequence[Layer]) -> list[float] | None:
    boxes = [e.bbox for e in [await layer_extent(request, lyr) for lyr in layers] if e.bbox]
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes)]
