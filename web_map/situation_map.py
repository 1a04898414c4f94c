"""The printable situation map (状況図) of a flood: exposed people per 町丁目, flood zones in
the standard depth colours, shelter catchments with their capacity gaps, shelters by status.
Offline like every folium export (web_map.export): Leaflet inlined, no tiles."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import folium
import geopandas as gpd
import orjson

from layers.disaster import exposure, hazards
from web_map.map_document import MapDocument, OfflineMap, displayed, html_text, map_document

STATUS_COLOURS = {"open": "#2e7d32", "full": "#b35c00", "closed": "#6b6b6b"}
STATUS_JA = {"open": "開設", "full": "満員", "closed": "閉鎖"}
JAPAN = ZoneInfo("Asia/Tokyo")


def _exposed_colour(share: float | None) -> str:
    if share is None:
        return "#bdbdbd"  # population unknown
    for limit, colour in ((0.5, "#67000d"), (0.25, "#cb181d"), (0.1, "#fb6a4a"),
                          (0.0001, "#fcbba1")):
        if share >= limit:
            return colour
    return "#ffffff"


def _features(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    return orjson.loads(frame.to_json())["features"] if not frame.empty else []


async def _features_of(conn: asyncpg.Connection, sql: str) -> list[dict[str, Any]]:
    return [{"type": "Feature", "geometry": orjson.loads(r["geometry"]),
             "properties": {k: v for k, v in dict(r).items() if k != "geometry"}}
            for r in await conn.fetch(sql)]


def _tooltip(fields: Sequence[str], aliases: Sequence[str]) -> folium.GeoJsonTooltip:
    return folium.GeoJsonTooltip(list(fields), aliases=[html_text(a) for a in aliases])


def _add_chome(fmap: folium.Map, chome: gpd.GeoDataFrame) -> None:
    fields = ["name", "population", "exposed", "exposed_0_5m"]
    folium.GeoJson(
        displayed(_features(chome), [*fields, "exposed_share"]),
        name="町丁目別 浸水想定区域内人口",
        style_function=lambda f: {"color": "#777", "weight": 0.6, "fillOpacity": 0.55,
                                  "fillColor": _exposed_colour(f["properties"]["exposed_share"])},
        tooltip=_tooltip(fields, ["町丁目", "人口", "区域内人口", "0.5m以上"]),
    ).add_to(fmap)


def _add_zones(fmap: folium.Map, zones: list[dict[str, Any]]) -> None:
    if not zones:
        return
    colours = {str(i + 1): c.colour for i, c in enumerate(hazards.FLOOD_DEPTH_CLASSES)}
    folium.GeoJson(
        displayed(zones, ["label_ja", "depth_rank"]), name="洪水浸水想定区域",
        style_function=lambda f: {"color": colours.get(f["properties"]["depth_rank"], "#999"),
                                  "weight": 0.5, "fillOpacity": 0.5,
                                  "fillColor": colours.get(f["properties"]["depth_rank"], "#999")},
        tooltip=_tooltip(["label_ja"], ["浸水深"]),
    ).add_to(fmap)


def _add_catchments(fmap: folium.Map, catchments: gpd.GeoDataFrame) -> None:
    if catchments.empty:
        return
    fields = ["name", "capacity", "exposed", "capacity_gap"]
    folium.GeoJson(
        displayed(_features(catchments), fields), name="避難所の圏域と不足数",
        style_function=lambda _f: {"color": "#1f5fa8", "weight": 1.5, "fill": False,
                                   "dashArray": "4 4"},
        tooltip=_tooltip(fields, ["避難所", "収容人数", "圏域の区域内人口", "不足"]),
    ).add_to(fmap)


def _shelter_label(properties: dict[str, Any]) -> str:
    capacity = properties["capacity"] if properties["capacity"] is not None else "—"
    status = STATUS_JA.get(properties["status"], properties["status"])
    return f"{properties['name']}：{status}（{properties['occupancy']}/{capacity}人）"


def _add_shelters(fmap: folium.Map, shelters: list[dict[str, Any]]) -> None:
    if not shelters:
        return
    for shelter in shelters:
        shelter["properties"]["label"] = _shelter_label(shelter["properties"])
    folium.GeoJson(
        displayed(shelters, ["label", "status"]), name="避難所（開設状況）",
        marker=folium.CircleMarker(radius=6, weight=2, fill=True, fill_opacity=0.9),
        style_function=lambda f: {"color": STATUS_COLOURS.get(f["properties"]["status"], "#333"),
                                  "fillColor": STATUS_COLOURS.get(f["properties"]["status"],
                                                                  "#333")},
        tooltip=folium.GeoJsonTooltip(["label"], labels=False),
    ).add_to(fmap)


LEGEND_CSS = "".join(
    f".swatch-{i + 1} {{background: {c.colour}}}\n"
    for i, c in enumerate(hazards.FLOOD_DEPTH_CLASSES)) + "".join(
    f".status-{s} {{color: {c}}}\n" for s, c in STATUS_COLOURS.items()) + """
.legend {position: absolute; bottom: 44px; left: 12px; z-index: 1000; background: #fff;
         padding: 8px; font: 12px sans-serif; border: 1px solid #999; max-width: 260px}
.swatch {display: inline-block; width: 14px; height: 10px; margin-right: 4px}
"""


def _legend(totals: dict[str, int], sample: bool) -> str:
    rows = "".join(f'<div><span class="swatch swatch-{i + 1}"></span>'
                   f"{html.escape(c.label_ja)}</div>"
                   for i, c in enumerate(hazards.FLOOD_DEPTH_CLASSES))
    status = "".join(f'<div><span class="status-{s}">●</span> {STATUS_JA[s]}</div>'
                     for s in STATUS_COLOURS)
    note = ("<div><b>想定シナリオ（サンプル）</b>：公式の浸水想定ではありません</div>"
            if sample else "")
    return (
        '<div class="legend">'
        f"<b>浸水深</b>{rows}<b>避難所</b>{status}"
        f"<div>区域内人口 {totals['exposed']:,}人（0.5m以上 {totals['exposed_0_5m']:,}人）</div>"
        f"<div>収容不足 計 {totals.get('capacity_gap', 0):,}人</div>{note}"
        f"<div>{html.escape(exposure.METHOD_JA)}</div></div>")


ZONES_SQL = ("SELECT depth_rank, label_ja, ST_AsGeoJSON(geom, 6) AS geometry FROM flood_zone "
             "ORDER BY depth_rank")
SHELTERS_SQL = ("SELECT id, name, status, occupancy, capacity, ST_AsGeoJSON(geom, 6) AS geometry "
                "FROM shelter ORDER BY id")


async def situation_map(conn: asyncpg.Connection) -> MapDocument:
    chome, catchments = await exposure.exposure_frames(conn)
    report = await exposure.exposure(conn)
    sample = bool(await conn.fetchval("SELECT bool_or(is_sample) FROM dataset "
                                      "WHERE layer_id = 'flood_zones'"))
    fmap = OfflineMap(tiles=None, control_scale=True, height="100%")
    _add_chome(fmap, chome)
    _add_zones(fmap, await _features_of(conn, ZONES_SQL))
    _add_catchments(fmap, catchments)
    _add_shelters(fmap, await _features_of(conn, SHELTERS_SQL))
    west, south, east, north = chome.total_bounds
    fmap.fit_bounds([[south, west], [north, east]])
    folium.LayerControl(collapsed=False).add_to(fmap)
    stamp = datetime.now(JAPAN).strftime("%Y-%m-%d %H:%M")
    return map_document(fmap, f"洪水 状況図 — 東大和市（{stamp} 現在）",
                        " | ".join(report["sources"]), css=LEGEND_CSS,
                        legend=_legend(report["totals"], sample))
