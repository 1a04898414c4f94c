"""Layer extents (CRS84 bbox and time interval), cached per layer version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fastapi import Request

from gis_core import features
from gis_core.catalog import Layer
from gis_core.crs import CRS84_URI
from gis_core.features import Extent


async def layer_extent(request: Request, layer: Layer) -> Extent:
    state = request.app.state
    version = state.versions.get(layer.id)
    cached = state.extents.get(layer.id)
    if cached is not None and cached[0] == version:
        return cached[1]
    async with state.pool.acquire() as conn:
        extent = await features.layer_extent(conn, layer)
    state.extents[layer.id] = (version, extent)
    return extent


async def union_bbox(request: Request, layers: Sequence[Layer]) -> list[float] | None:
    boxes = [e.bbox for e in [await layer_extent(request, lyr) for lyr in layers] if e.bbox]
    if not boxes:
        return None
    return [min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes)]


def _rfc3339(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def extent_doc(extent: Extent) -> dict[str, object]:
    """The OGC ``extent`` member: spatial bbox in CRS84, temporal interval when known."""
    doc: dict[str, object] = {}
    if extent.bbox is not None:
        doc["spatial"] = {"bbox": [list(extent.bbox)], "crs": CRS84_URI}
    if extent.interval is not None:
        doc["temporal"] = {"interval": [[_rfc3339(v) for v in extent.interval]],
                           "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return doc
