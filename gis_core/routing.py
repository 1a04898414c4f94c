"""Walking routes on the road graph with pgRouting.

The graph (``road_vertex``, ``road_edge``) is built from road centre lines at load time: lines
are noded where they cross, every piece between two nodes is an undirected edge whose cost is
its walking time in seconds (80 m/min, as gis_core.proximity) and which carries the deepest
hazard water found along it (``max_depth_m``). A query passes a depth threshold: edges deeper
than it are left out of the graph for that query.

A route runs from any point to the nearest of several targets in one pgr_dijkstra call: the
point is joined to both ends of its nearest passable edge, and every target's nearest passable
vertex to one virtual sink, so Dijkstra itself picks the target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
import numpy as np
import psycopg
import shapely
from pyproj import Transformer

from gis_core.crs import METRIC_SRID
from gis_core.proximity import WALKING_METRES_PER_MINUTE

WALK_M_PER_S = WALKING_METRES_PER_MINUTE / 60
SNAP_TOLERANCE_M = 0.01
MAX_SNAP_M = 1000.0
ORIGIN_VERTEX = 2_000_000_001
SINK_VERTEX = 2_000_000_002
ACCESS_EDGE_BASE = 1_000_000_000  # + 0/1: origin to the ends of its edge
TARGET_EDGE_BASE = 1_100_000_000  # + target key: target's vertex to the sink
SAMPLE_STEP_M = 5.0

DepthOf = Callable[[np.ndarray, np.ndarray], np.ndarray]  # lon, lat -> depth (NaN: none)


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graph:
    vertices: np.ndarray  # (n, 2) lon/lat
    sources: np.ndarray
    targets: np.ndarray
    lengths: np.ndarray  # metres
    lines: list[shapely.LineString]  # EPSG:4326


def _transformers() -> tuple[Transformer, Transformer]:
    forward = Transformer.from_crs(4326, METRIC_SRID, always_xy=True)
    back = Transformer.from_crs(METRIC_SRID, 4326, always_xy=True)
    return forward, back


def node_lines(lines: Sequence[shapely.Geometry]) -> Graph:
    """Split the lines where they meet and number their end points."""
    forward, back = _transformers()
    metric = shapely.transform(np.asarray(lines, dtype=object), forward.transform,
                               interleaved=False)
    pieces = [g for g in shapely.get_parts(shapely.union_all(metric)) if g.length > 0]
    ends = np.array([[p.coords[0], p.coords[-1]] for p in pieces]).reshape(-1, 2)
    keys = np.round(ends / SNAP_TOLERANCE_M).astype(np.int64)
    unique, index = np.unique(keys, axis=0, return_inverse=True)
    corners = np.zeros((len(unique), 2))
    corners[index.ravel()] = ends
    lon, lat = back.transform(corners[:, 0], corners[:, 1])
    index = index.reshape(-1, 2)
    return Graph(np.column_stack([lon, lat]), index[:, 0] + 1, index[:, 1] + 1,
                 np.array([p.length for p in pieces]),
                 list(shapely.transform(np.asarray(pieces, dtype=object), back.transform,
                                        interleaved=False)))


def max_depth_along(graph: Graph, depth_of: DepthOf) -> np.ndarray:
    """The deepest value of ``depth_of`` at points every 5 m along each edge (0 when dry)."""
    counts = np.maximum(2, np.ceil(graph.lengths / SAMPLE_STEP_M).astype(int) + 1)
    owner = np.repeat(np.arange(len(graph.lines)), counts)
    fractions = np.concatenate([np.linspace(0, 1, n) for n in counts])
    points = shapely.line_interpolate_point(np.asarray(graph.lines, dtype=object)[owner],
                                            fractions, normalized=True)
    depth = np.nan_to_num(depth_of(shapely.get_x(points), shapely.get_y(points)), nan=0.0)
    deepest = np.zeros(len(graph.lines))
    np.maximum.at(deepest, owner, depth)
    return deepest


def write_graph(conn: psycopg.Connection, graph: Graph, depths: np.ndarray) -> int:
    """Replace the stored graph (in the caller's transaction)."""
    conn.execute("DELETE FROM road_edge")
    conn.execute("DELETE FROM road_vertex")
    with conn.cursor().copy("COPY road_vertex (id, geom) FROM STDIN") as copy:
        for number, (lon, lat) in enumerate(graph.vertices, start=1):
            copy.write_row([number, f"SRID=4326;POINT({float(lon)!r} {float(lat)!r})"])
    columns = "id, source, target, length_m, cost_s, max_depth_m, geom"
    with conn.cursor().copy(f"COPY road_edge ({columns}) FROM STDIN") as copy:
        for number, line in enumerate(graph.lines):
            length = float(graph.lengths[number])
            copy.write_row([number + 1, int(graph.sources[number]), int(graph.targets[number]),
                            length, length / WALK_M_PER_S, float(depths[number]),
                            f"SRID=4326;{line.wkt}"])
    conn.execute("ANALYZE road_edge")
    conn.execute("ANALYZE road_vertex")
    return len(graph.lines)


# --- querying -------------------------------------------------------------------------------


def edges_sql(max_depth_m: float | None) -> str:
    """The edges pgRouting sees: not blocked, and no deeper than the threshold if one is given."""
    return ("SELECT id, source, target, cost_s AS cost, cost_s AS reverse_cost "
            f"FROM road_edge e WHERE {_passable(max_depth_m)}")


def _passable(max_depth_m: float | None, alias: str = "e") -> str:
    """Blocked edges (confirmed reports of blocked roads) are never passable."""
    depth = "" if max_depth_m is None else f" AND {alias}.max_depth_m <= {float(max_depth_m)!r}"
    return f"NOT {alias}.blocked{depth}"


@dataclass(frozen=True)
class Access:
    """How a point joins the graph: the ends of its nearest passable edge and the walking
    seconds to each of them, plus the point on the edge."""

    vertices: tuple[int, int]
    seconds: tuple[float, float]
    snapped: tuple[float, float]


async def access(conn: asyncpg.Connection, lon: float, lat: float,
                 max_depth_m: float | None) -> Access | None:
    row = await conn.fetchrow(
        f"""
        WITH p AS (SELECT ST_Transform(ST_Point($1, $2, 4326), {METRIC_SRID}) AS g),
        near AS (
            SELECT e.source, e.target, ST_Transform(e.geom, {METRIC_SRID}) AS g
            FROM road_edge e WHERE {_passable(max_depth_m)}
            ORDER BY e.geom <-> ST_Point($1, $2, 4326) LIMIT 8)
        SELECT source, target, ST_Distance(near.g, p.g) AS off_m,
               ST_LineLocatePoint(near.g, p.g) AS f, ST_Length(near.g) AS length_m,
               ST_X(ST_Transform(ST_ClosestPoint(near.g, p.g), 4326)) AS lon,
               ST_Y(ST_Transform(ST_ClosestPoint(near.g, p.g), 4326)) AS lat
        FROM near, p ORDER BY ST_Distance(near.g, p.g) LIMIT 1
        """, lon, lat)
    if row is None or row["off_m"] > MAX_SNAP_M:
        return None
    off, along = row["off_m"], row["f"] * row["length_m"]
    return Access((row["source"], row["target"]),
                  ((off + along) / WALK_M_PER_S, (off + row["length_m"] - along) / WALK_M_PER_S),
                  (row["lon"], row["lat"]))


@dataclass(frozen=True)
class Target:
    key: int
    lon: float
    lat: float


async def target_vertices(conn: asyncpg.Connection, targets: Sequence[Target],
                          max_depth_m: float | None) -> dict[int, tuple[int, float]]:
    """Each target's nearest vertex with a passable edge, and the seconds to walk there."""
    rows = await conn.fetch(
        f"""
        SELECT t.key, v.id, v.metres FROM unnest($1::int[], $2::float8[], $3::float8[])
            AS t(key, lon, lat)
        CROSS JOIN LATERAL (
            SELECT v.id, ST_Distance(v.geom::geography, ST_Point(t.lon, t.lat, 4326)::geography)
                   AS metres
            FROM road_vertex v
            WHERE EXISTS (SELECT 1 FROM road_edge e WHERE (e.source = v.id OR e.target = v.id)
                          AND {_passable(max_depth_m)})
            ORDER BY v.geom <-> ST_Point(t.lon, t.lat, 4326) LIMIT 1) v
        """,
        [t.key for t in targets], [t.lon for t in targets], [t.lat for t in targets])
    return {row["key"]: (row["id"], row["metres"] / WALK_M_PER_S) for row in rows
            if row["metres"] <= MAX_SNAP_M}


@dataclass(frozen=True)
class Route:
    target: int
    seconds: float
    line: shapely.LineString  # lon/lat, from the point to the target

    @property
    def metres(self) -> float:
        return self.seconds * WALK_M_PER_S


def _virtual_edges(start: Access, ends: dict[int, tuple[int, float]]) -> str:
    rows = [f"({ACCESS_EDGE_BASE + i}, {ORIGIN_VERTEX}, {v}, {s!r}, {s!r})"
            for i, (v, s) in enumerate(zip(start.vertices, start.seconds, strict=True))]
    rows += [f"({TARGET_EDGE_BASE + key}, {vertex}, {SINK_VERTEX}, {s!r}, -1)"
             for key, (vertex, s) in ends.items()]
    return "SELECT * FROM (VALUES " + ", ".join(rows) + ") AS v(id, source, target, cost, " \
           "reverse_cost)"


PATH_SQL = """
    SELECT p.edge, p.agg_cost, p.cost,
           ST_AsBinary(CASE WHEN p.node = e.source THEN e.geom ELSE ST_Reverse(e.geom) END) AS g
    FROM pgr_dijkstra($1, $2::bigint, $3::bigint, directed => true) p
    LEFT JOIN road_edge e ON e.id = p.edge
    ORDER BY p.seq
"""


async def nearest_target_route(conn: asyncpg.Connection, lon: float, lat: float,
                               targets: Sequence[Target], max_depth_m: float | None
                               ) -> Route | None:
    """The quickest walk from (lon, lat) to any of ``targets``; None when none is reachable."""
    start = await access(conn, lon, lat, max_depth_m)
    ends = await target_vertices(conn, targets, max_depth_m) if targets else {}
    if start is None or not ends:
        return None
    graph = f"{edges_sql(max_depth_m)} UNION ALL {_virtual_edges(start, ends)}"
    rows = await conn.fetch(PATH_SQL, graph, ORIGIN_VERTEX, SINK_VERTEX)
    if not rows:
        return None
    key = next(r["edge"] - TARGET_EDGE_BASE for r in rows if r["edge"] >= TARGET_EDGE_BASE)
    target = next(t for t in targets if t.key == key)
    coords = [(lon, lat), start.snapped]
    for row in rows:
        if row["g"] is not None:
            coords += shapely.from_wkb(bytes(row["g"])).coords
    coords.append((target.lon, target.lat))
    return Route(key, rows[-1]["agg_cost"], shapely.LineString(_dedupe(coords)))


def _dedupe(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    kept = [coords[0]]
    for point in coords[1:]:
        if point != kept[-1]:
            kept.append(point)
    return kept if len(kept) > 1 else kept * 2


ISOCHRONE_SQL = f"""
    WITH reach AS (
        SELECT node, agg_cost FROM pgr_drivingDistance($1, $2::bigint, $3::float8,
                                                       directed => false)),
    budget AS (SELECT secs, n FROM unnest($4::float8[]) WITH ORDINALITY AS b(secs, n)),
    edge_reach AS (
        SELECT b.n, ST_Transform(e.geom, {METRIC_SRID}) AS geom,
               LEAST(1, GREATEST(0, (b.secs - COALESCE(rs.agg_cost, 'infinity')) / e.cost_s))
                   AS from_source,
               LEAST(1, GREATEST(0, (b.secs - COALESCE(rt.agg_cost, 'infinity')) / e.cost_s))
                   AS from_target
        FROM budget b CROSS JOIN road_edge e
        LEFT JOIN reach rs ON rs.node = e.source LEFT JOIN reach rt ON rt.node = e.target
        WHERE (rs.node IS NOT NULL OR rt.node IS NOT NULL) AND e.cost_s > 0
              AND NOT e.blocked AND ($6::float8 IS NULL OR e.max_depth_m <= $6::float8)),
    pieces AS (
        SELECT n, geom FROM edge_reach WHERE from_source + from_target >= 1
        UNION ALL SELECT n, ST_LineSubstring(geom, 0, from_source) FROM edge_reach
            WHERE from_source + from_target < 1 AND from_source > 0
        UNION ALL SELECT n, ST_LineSubstring(geom, 1 - from_target, 1) FROM edge_reach
            WHERE from_source + from_target < 1 AND from_target > 0)
    SELECT b.n, ST_AsBinary(ST_Transform(ST_Union(
               ST_Buffer(p.geom, $5::float8, 'quad_segs=4')),
               4326)) AS g
    FROM budget b LEFT JOIN pieces p ON p.n = b.n
    GROUP BY b.n ORDER BY b.n
"""


async def reachable_areas(conn: asyncpg.Connection, vertex: int, seconds: Sequence[float],
                          max_depth_m: float | None, reach_m: float = 40.0
                          ) -> list[shapely.Geometry | None]:
    """Per budget, the area within ``reach_m`` of the streets walkable from ``vertex`` in that
    many seconds (None when nothing is). Each budget's street pieces contain the smaller
    budgets' pieces, so the areas are nested."""
    rows = await conn.fetch(ISOCHRONE_SQL, edges_sql(max_depth_m), vertex, max(seconds),
                            list(seconds), reach_m, max_depth_m)
    return [shapely.from_wkb(bytes(r["g"])) if r["g"] is not None else None for r in rows]
