"""The printable situation map (状況図) of a flood: exposed people per 町丁目, flood zones in
the standard depth colours, shelter catchments with their capacity gaps, shelters by status.
Offline like every folium export (web_map.export): Leaflet inlined, no tiles."""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
import folium
import geopandas as gpd
import orjson
from branca.element import Element

from layers.disaster import exposure, hazards
from web_map.export import Attribution, OfflineMap, _accessible, _inline_leaflet

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


async def _layer_frame(conn: asyncpg.Connection, sql: str) -> gpd.GeoDataFrame:
    rows = await conn.fetch(sql)
    features = [{"type": "Feature", "geometry": orjson.loads(r["geometry"]),
                 "properties": {k: v for k, v in dict(r).items() if k != "geometry"}}
                for r in rows]
    return gpd.GeoDataFrame.from_features(features, crs="EPSG:4326") if features else \
        gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")


def _add_chome(fmap: folium.Map, chome: gpd.GeoDataFrame) -> None:
    folium.GeoJson(
        chome.to_json(), name="町丁目別 浸水想定区域内人口",
        style_function=lambda f: {"color": "#777", "weight": 0.6, "fillOpacity": 0.55,
                                  "fillColor": _exposed_colour(f["properties"]["exposed_share"])},
        tooltip=folium.GeoJsonTooltip(["name", "population", "exposed", "exposed_0_5m"],
                                      aliases=["町丁目", "人口", "区域内人口", "0.5m以上"]),
    ).add_to(fmap)


def _add_zones(fmap: folium.Map, zones: gpd.GeoDataFrame) -> None:
    if zones.empty:
        return
    colours = {str(i + 1): c.colour for i, c in enumerate(hazards.FLOOD_DEPTH_CLASSES)}
    folium.GeoJson(
        zones.to_json(), name="洪水浸水想定区域",
        style_function=lambda f: {"color": colours.get(f["properties"]["depth_rank"], "#999"),
                                  "weight": 0.5, "fillOpacity": 0.5,
                                  "fillColor": colours.get(f["properties"]["depth_rank"], "#999")},
        tooltip=folium.GeoJsonTooltip(["label_ja"], aliases=["浸水深"]),
    ).add_to(fmap)


def _add_catchments(fmap: folium.Map, catchments: gpd.GeoDataFrame) -> None:
    if catchments.empty:
        return
    folium.GeoJson(
        catchments.to_json(), name="避難所の圏域と不足数",
        style_function=lambda _f: {"color": "#1f5fa8", "weight": 1.5, "fill": False,
                                   "dashArray": "4 4"},
        tooltip=folium.GeoJsonTooltip(["name", "capacity", "exposed", "capacity_gap"],
                                      aliases=["避難所", "収容人数", "圏域の区域内人口", "不足"]),
    ).add_to(fmap)


def _add_shelters(fmap: folium.Map, shelters: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="避難所（開設状況）")
    for row in shelters.itertuples():
        label = (f"{row.name}：{STATUS_JA.get(row.status, row.status)}"
                 f"（{row.occupancy}/{row.capacity if row.capacity is not None else '—'}人）")
        folium.CircleMarker((row.geometry.y, row.geometry.x), radius=6, weight=2,
                            color=STATUS_COLOURS.get(row.status, "#333"), fill=True,
                            fill_opacity=0.9, tooltip=label).add_to(group)
    group.add_to(fmap)


def _legend(totals: dict[str, int], sample: bool) -> Element:
    rows = "".join(f'<div><span style="background:{c.colour};display:inline-block;width:14px;'
                   f'height:10px;margin-right:4px"></span>{html.escape(c.label_ja)}</div>'
                   for c in hazards.FLOOD_DEPTH_CLASSES)
    status = "".join(f'<div><span style="color:{c}">●</span> {STATUS_JA[s]}</div>'
                     for s, c in STATUS_COLOURS.items())
    note = ("<div><b>想定シナリオ（サンプル）</b>：公式の浸水想定ではありません</div>"
            if sample else "")
    return Element(
        '<div style="position:absolute;bottom:44px;left:12px;z-index:1000;background:#fff;'
        'padding:8px;font:12px sans-serif;border:1px solid #999;max-width:260px">'
        f"<b>浸水深</b>{rows}<b>避難所</b>{status}"
        f"<div>区域内人口 {totals['exposed']:,}人（0.5m以上 {totals['exposed_0_5m']:,}人）</div>"
        f"<div>収容不足 計 {totals.get('capacity_gap', 0):,}人</div>{note}"
        f"<div>{html.escape(exposure.METHOD_JA)}</div></div>")


ZONES_SQL = ("SELECT depth_rank, label_ja, ST_AsGeoJSON(geom, 6) AS geometry FROM flood_zone "
             "ORDER BY depth_rank")
SHELTERS_SQL = ("SELECT id, name, status, occupancy, capacity, ST_AsGeoJSON(geom, 6) AS geometry "
                "FROM shelter ORDER BY id")


async def situation_map(conn: asyncpg.Connection) -> str:
    chome, catchments = await exposure.exposure_frames(conn)
    report = await exposure.exposure(conn)
    zones = await _layer_frame(conn, ZONES_SQL)
    shelters = await _layer_frame(conn, SHELTERS_SQL)
    sample = bool(await conn.fetchval("SELECT bool_or(is_sample) FROM dataset "
                                      "WHERE layer_id = 'flood_zones'"))
    fmap = OfflineMap(tiles=None, control_scale=True, height="100%")
    _add_chome(fmap, chome)
    _add_zones(fmap, zones)
    _add_catchments(fmap, catchments)
    _add_shelters(fmap, shelters)
    west, south, east, north = chome.total_bounds
    fmap.fit_bounds([[south, west], [north, east]])
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().html.add_child(_legend(report["totals"], sample))
    script, css = _inline_leaflet()
    root = fmap.get_root()
    root.header.add_child(Element(f"<style>{css}</style>"), index=0)
    root.header.add_child(Element(f"<script>{script}</script>"), index=0)
    Attribution(" | ".join(report["sources"])).add_to(fmap)
    stamp = datetime.now(JAPAN).strftime("%Y-%m-%d %H:%M")
    return _accessible(root.render(), f"洪水 状況図 — 東大和市（{stamp} 現在）")
