"""Printable, offline map documents rendered with folium.

The HTML is self-contained: Leaflet's script, stylesheet and images are inlined from the npm
package installed by ``make``; there are no remote tiles — the city's own layers are the
basemap. Used by ``citygis export-map`` and ``/collections/{id}/map.html``.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import folium
import orjson
import shapely
import shapely.geometry
from branca.element import Element, MacroElement
from jinja2 import Template

from gis_core.catalog import Catalog, Layer
from gis_core.crs import CRS84_URI, parse_crs
from gis_core.features import FeatureQuery, fetch_items
from gis_core.settings import PROJECT_ROOT

LEAFLET_DIST = PROJECT_ROOT / "node_modules" / "leaflet" / "dist"
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


class AssetsMissing(FileNotFoundError):
    """Leaflet's files are not installed (run ``make``, which runs ``npm ci``)."""


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


def _inline_leaflet() -> tuple[str, str]:
    script, style = LEAFLET_DIST / "leaflet.js", LEAFLET_DIST / "leaflet.css"
    if not script.is_file() or not style.is_file():
        raise AssetsMissing(f"{LEAFLET_DIST} is missing: run make (npm ci) first")

    def data_uri(match: re.Match[str]) -> str:
        image = LEAFLET_DIST / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode()
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, style.read_text())
    return script.read_text(), css


class Attribution(MacroElement):
    """The sources and licenses of the layers, in Leaflet's attribution control."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text_json }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text_json = orjson.dumps(text).decode().replace("</", "<\\/")


class OfflineMap(folium.Map):
    """A folium map with no CDN assets: Leaflet is inlined by ``render_document``."""

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []


def _tooltip(layer: Layer) -> folium.GeoJsonTooltip | None:
    fields = [f for f in layer.fields if f.type == "string"][:3]
    if not fields:
        return None
    return folium.GeoJsonTooltip(fields=[f.name for f in fields],
                                 aliases=[f.title_ja for f in fields])


def _add_layer(fmap: folium.Map, item: MapLayer) -> None:
    style = (highlight(item.highlight) if item.highlight is not None
             else STYLE_BY_LAYER.get(item.layer.id, highlight(0)))
    if not item.collection["features"]:
        return
    point_layer = item.layer.geometry_type in ("Point", "MultiPoint")
    folium.GeoJson(
        item.collection, name=item.layer.title_ja,
        style_function=lambda _feature, s=style: s,
        marker=folium.CircleMarker(radius=6, **style) if point_layer else None,
        tooltip=_tooltip(item.layer) if item.highlight is not None else None,
    ).add_to(fmap)


def _bounds(items: Sequence[MapLayer]) -> list[list[float]] | None:
    geometries = [shapely.geometry.shape(f["geometry"]) for item in items
                  for f in item.collection["features"]]
    if not geometries:
        return None
    west, south, east, north = shapely.GeometryCollection(geometries).bounds
    return [[south, west], [north, east]]


def render_document(items: Sequence[MapLayer], title: str, attribution: str) -> str:
    fmap = OfflineMap(tiles=None, control_scale=True, height="100%")
    for item in items:
        _add_layer(fmap, item)
    bounds = _bounds(items)
    if bounds:
        fmap.fit_bounds(bounds)
    folium.LayerControl(collapsed=False).add_to(fmap)
    script, css = _inline_leaflet()
    root = fmap.get_root()
    root.header.add_child(Element(f"<style>{css}</style>"), index=0)
    root.header.add_child(Element(f"<script>{script}</script>"), index=0)
    Attribution(attribution).add_to(fmap)
    return _accessible(root.render(), title)


def _accessible(document: str, title: str) -> str:
    """lang, title, a heading and a main landmark around the map (JIS X 8341-3 / WCAG)."""
    safe = html.escape(title)
    document = document.replace("<html>", '<html lang="ja">', 1)
    document = re.sub(r'<meta name="viewport"[^>]*>',
                      '<meta name="viewport" content="width=device-width, initial-scale=1">',
                      document)
    document = document.replace("<head>", f"<head>\n<title>{safe}</title>", 1)
    heading = (f'<header style="padding:4px 12px;font-family:sans-serif;height:2.5rem"><h1 '
               f'style="font-size:1.2rem;margin:4px 0">{safe}</h1></header>\n'
               '<main style="position:absolute;top:3rem;bottom:0;left:0;right:0">')
    document = re.sub(r"<body>\s*", f"<body>\n{heading}\n", document, count=1)
    return document.replace("</body>", "</main>\n</body>", 1)


def write(path: Path, document: str) -> None:
    path.write_text(document, encoding="utf-8")


async def attribution(conn: asyncpg.Connection, layer_ids: Sequence[str]) -> str:
    rows = await conn.fetch(
        "SELECT attribution FROM dataset WHERE layer_id = ANY($1::text[]) ORDER BY layer_id",
        list(layer_ids),
    )
    return " | ".join(dict.fromkeys(row[0] for row in rows))


async def export_document(conn: asyncpg.Connection, catalog: Catalog,
                          layers: Sequence[Layer]) -> str:
    items = await collect(conn, catalog, layers)
    title = "・".join(layer.title_ja for layer in layers) + " — 東大和市"
    return render_document(items, title, await attribution(conn, [i.layer.id for i in items]))
