"""Evacuation: the walking graph with its hazard depths, the route from a place to the nearest
open shelter with room, and the areas each shelter reaches on foot in 10/20/30 minutes."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import psycopg
import shapely

from gis_core import rasters, routing
from gis_core.errors import FixedField, NotFoundError, RuleViolation
from layers.base.service import road_lines
from layers.disaster import reports

DEFAULT_MAX_DEPTH_M = 0.5  # 膝上 (knee-deep): walking through deeper water is dangerous
ISOCHRONE_MINUTES = (10, 20, 30)
GRAPH_STATE = "road_graph"
# Only open shelters with room are destinations. A shelter without a capacity counts as
# having room until an officer marks it full.
OPEN_SHELTERS = """
    SELECT id, name, ST_X(geom) AS lon, ST_Y(geom) AS lat, capacity, occupancy, status,
           is_designated_shelter, is_emergency_site
    FROM shelter WHERE status = 'open' AND (capacity IS NULL OR occupancy < capacity)
"""


class Unreachable(FixedField, RuleViolation):
    """No open shelter with room can be reached on foot under the depth threshold."""

    field_name, slug, title = "lon", "unreachable", "No reachable shelter"


class UnknownShelter(FixedField, NotFoundError):
    field_name = "shelter"


# --- the graph ------------------------------------------------------------------------------


def _depth_rasters(conn: psycopg.Connection) -> list[tuple[Path, str]]:
    return [(Path(path), print_) for path, print_ in conn.execute(
        "SELECT path, fingerprint FROM hazard_raster WHERE quantity = 'flood_depth' ORDER BY id")]


def _depth_of(paths: list[Path]) -> routing.DepthOf:
    def depth(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        found = np.zeros(len(lon))
        for path in paths:
            found = np.fmax(found, rasters.sample(path, lon, lat))
        return found
    return depth


def graph_fingerprint(conn: psycopg.Connection) -> str:
    """Changes when the roads, the imported flood zones or the depth rasters change."""
    versions = conn.execute(
        "SELECT string_agg(layer_id || '=' || version, ',' ORDER BY layer_id) FROM layer_version "
        "WHERE layer_id IN ('roads', 'flood_zones')").fetchone()
    rasters_part = ",".join(print_ for _, print_ in _depth_rasters(conn))
    return hashlib.sha256(f"graph-1|{versions[0] or ''}|{rasters_part}".encode()).hexdigest()


ZONE_DEPTHS = """
    UPDATE road_edge e SET max_depth_m = GREATEST(e.max_depth_m, z.depth)
    FROM (SELECT e.id, max(COALESCE(z.depth_max_m, z.depth_min_m))::real AS depth
          FROM road_edge e JOIN flood_zone z ON ST_Intersects(e.geom, z.geom)
          WHERE NOT z.is_sample GROUP BY e.id) z
    WHERE z.id = e.id
"""


def rebuild_graph(conn: psycopg.Connection, *, force: bool = False) -> str:
    """Build the walking graph from the roads when its inputs changed. Edge depth: the deepest
    cell of every flood-depth raster along the edge, and the upper bound of the depth rank of
    any imported flood zone it crosses (the sample zones repeat the sample raster)."""
    wanted = graph_fingerprint(conn)
    stored = conn.execute("SELECT fingerprint FROM derived_state WHERE name = %s",
                          (GRAPH_STATE,)).fetchone()
    if not force and stored and stored[0] == wanted:
        return "unchanged"
    lines = road_lines(conn)
    with conn.transaction():
        if lines:
            graph = routing.node_lines(lines)
            depths = routing.max_depth_along(graph, _depth_of(
                [path for path, _ in _depth_rasters(conn)]))
            routing.write_graph(conn, graph, depths)
            conn.execute(ZONE_DEPTHS)
            conn.execute(reports.BLOCK_EDGES_SQL)
        conn.execute(
            "INSERT INTO derived_state (name, fingerprint) VALUES (%s, %s) ON CONFLICT (name) "
            "DO UPDATE SET fingerprint = EXCLUDED.fingerprint, built_at = now()",
            (GRAPH_STATE, wanted))
    return "loaded"


# --- routes ---------------------------------------------------------------------------------


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))


async def evacuation_route(conn: asyncpg.Connection, lon: float, lat: float,
                           max_depth_m: float | None = DEFAULT_MAX_DEPTH_M) -> dict[str, Any]:
    """A GeoJSON Feature: the walking route to the nearest open shelter with room."""
    shelters = {row["id"]: dict(row) for row in await conn.fetch(OPEN_SHELTERS)}
    targets = [routing.Target(key, s["lon"], s["lat"]) for key, s in shelters.items()]
    route = await routing.nearest_target_route(conn, lon, lat, targets, max_depth_m)
    if route is None:
        raise Unreachable(
            "no open shelter with room can be reached on foot"
            + (f" without crossing water deeper than {max_depth_m} m" if max_depth_m is not None
               else "")
            + ". 安全な経路がありません。浸水の危険がある場合は建物の上階へ（垂直避難）。")
    shelter = shelters[route.target]
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(route.line),
        "properties": {
            "shelter": {k: shelter[k] for k in ("id", "name", "status", "capacity", "occupancy",
                                                "is_designated_shelter", "is_emergency_site")}
            | {"lon": shelter["lon"], "lat": shelter["lat"]},
            "distance_m": round(route.metres, 1),
            "minutes": _minutes(route.seconds),
            "max_depth_m": max_depth_m,
            "walking_speed_m_per_min": routing.WALK_M_PER_S * 60,
        },
    }


async def shelter_isochrones(conn: asyncpg.Connection, shelter_id: int,
                             max_depth_m: float | None = DEFAULT_MAX_DEPTH_M,
                             minutes: tuple[int, ...] = ISOCHRONE_MINUTES) -> dict[str, Any]:
    """GeoJSON FeatureCollection: the areas from which the shelter is 10, 20 and 30 minutes'
    walk away (largest first, so smaller ones draw on top)."""
    row = await conn.fetchrow("SELECT id, name, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                              "FROM shelter WHERE id = $1", shelter_id)
    if row is None:
        raise UnknownShelter(f"no shelter {shelter_id}")
    ends = await routing.target_vertices(conn, [routing.Target(row["id"], row["lon"],
                                                               row["lat"])], max_depth_m)
    areas: list[shapely.Geometry | None] = [None] * len(minutes)
    if ends:
        vertex, access_s = ends[row["id"]]
        budgets = [max(0.0, m * 60 - access_s) for m in minutes]
        areas = await routing.reachable_areas(conn, vertex, budgets, max_depth_m)
    features = [
        {"type": "Feature", "geometry": shapely.geometry.mapping(area) if area else None,
         "properties": {"shelter_id": row["id"], "shelter": row["name"], "minutes": m,
                        "max_depth_m": max_depth_m}}
        for m, area in zip(minutes, areas, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features[::-1]}
