"""Printable, offline map documents rendered with folium.

The HTML is self-contained: Leaflet's script, stylesheet and images are inlined from the npm
package installed by ``make``; there are no remote tiles — the city's own layers are the
basemap. Used by ``citygis export-map`` and ``/collections/{id}/map.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import folium
import orjson
import shapely
import shapely.geometry

from gis_core.catalog import Catalog, Field, Layer
from gis_core.crs import CRS84_URI, parse_crs
from gis_core.features import FeatureQuery, fetch_items
from web_map.map_document import MapDocument, OfflineMap, displayed, html_text, map_document

BASE_LAYERS = ("water_areas", "chome_areas", "rivers", "roads", "city_boundary")
EXPORT_LIMIT = 20_000
STYLE_BY_LAYER: dict[str, dict[str, Any]] = {
    "city_boundary": {"color": "#333333", "weight": 2.5, "fill": False},
    "chome_areas": {"color": "#8a8a8a", "weight": 0.6, "fillColor": "#f4f1ea", "fillOpacity": 1},
    "water_areas": {"color": "#5b8fb9", "weight": 0.5, "fillColor": "#a9cce3", "fillOpacity": 1},
    "rivers": {"color": "#4a7fb0", "weight": 2},
    "roads": {"color": "#9a9a9a", "weight": 1},
}
HIGHLIGHT_COLOURS = ("#b3261e", "#1f5fa8", "#2e7d32", "#6a1b9a", "#b35c00")


def highlight(index: int) -> dict[str, Any]:
    colour = HIGHLIGHT_COLOURS[index % len(HIGHLIGHT_COLOURS)]
    return {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.35}


@dataclass(frozen=True)
class MapLayer:
    layer: Layer
    collection: dict[str, Any]
    highlight: int | None  # colour index of a requested layer; None for the basemap


async def collect(conn: asyncpg.Connection, catalog: Catalog,
                  layers: Sequence[Layer]) -> list[MapLayer]:
    """The base layers (as the basemap) and the requested layers, as GeoJSON."""
    wanted = {layer.id for layer in layers}
    chosen = [catalog.get(i) for i in BASE_LAYERS if i not in wanted and catalog.get(i)]
    result = []
    for layer in [*chosen, *layers]:
        assert layer is not None
        rows = await fetch_items(conn, layer, FeatureQuery(parse_crs(CRS84_URI), EXPORT_LIMIT))
        features = [orjson.loads(row) for row in rows]
        colour = layers.index(layer) if layer.id in wanted else None
        result.append(MapLayer(layer, {"type": "FeatureCollection", "features": features},
                               colour))
    return result


def _shown_fields(layer: Layer) -> list[Field]:
    return [f for f in layer.fields if f.type == "string"][:3]


def _add_layer(fmap: folium.Map, item: MapLayer) -> None:
    style = (highlight(item.highlight) if item.highlight is not None
             else STYLE_BY_LAYER.get(item.layer.id, highlight(0)))
    if not item.collection["features"]:
        return
    fields = _shown_fields(item.layer) if item.highlight is not None else []
    point_layer = item.layer.geometry_type in ("Point", "MultiPoint")
    folium.GeoJson(
        displayed(item.collection["features"], [f.name for f in fields]),
        name=html_text(item.layer.title_ja),
        style_function=lambda _feature, s=style: s,
        marker=folium.CircleMarker(radius=6, **style) if point_layer else None,
        tooltip=folium.GeoJsonTooltip(fields=[f.name for f in fields],
                                      aliases=[html_text(f.title_ja) for f in fields])
        if fields else None,
    ).add_to(fmap)


def _bounds(items: Sequence[MapLayer]) -> list[list[float]] | None:
    geometries = [shapely.geometry.shape(f["geometry"]) for item in items
                  for f in item.collection["features"]]
    if not geometries:
        return None
    west, south, east, north = shapely.GeometryCollection(geometries).bounds
    return [[south, west], [north, east]]


def render_document(items: Sequence[MapLayer], title: str, attribution: str) -> MapDocument:
    fmap = OfflineMap(tiles=None, control_scale=True, height="100%")
    for item in items:
        _add_layer(fmap, item)
    bounds = _bounds(items)
    if bounds:
        fmap.fit_bounds(bounds)
    folium.LayerControl(collapsed=False).add_to(fmap)
    return map_document(fmap, title, attribution)


async def attribution(conn: asyncpg.Connection, layer_ids: Sequence[str]) -> str:
    rows = await conn.fetch(
        "SELECT attribution FROM dataset WHERE layer_id = ANY($1::text[]) ORDER BY layer_id",
        list(layer_ids),
    )
    return " | ".join(dict.fromkeys(row[0] for row in rows))


async def export_document(conn: asyncpg.Connection, catalog: Catalog,
                          layers: Sequence[Layer]) -> MapDocument:
    items = await collect(conn, catalog, layers)
    title = "・".join(layer.title_ja for layer in layers) + " — 東大和市"
    return render_document(items, title, await attribution(conn, [i.layer.id for i in items]))
