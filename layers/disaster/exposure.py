"""Exposure: how many people live in flood zones, per 町丁目 and per shelter catchment, and
how far the shelters' capacity falls short.

Method (stated in every output): population is spread evenly over each 町丁目 area, so the
people of a 町丁目 in a zone are its population × the share of its area in the zone. Zones are
the ``flood_zone`` polygons (the sample scenario's depth ranks until real A31 data is
imported), merged so overlaps count once. ``exposed`` counts any depth; ``exposed_0_5m``
depths of 0.5 m and more (床上浸水), ``exposed_3m`` 3 m and more (2階まで浸水). A shelter's
catchment is the part of the city nearer to it than to any other designated shelter
(指定避難所) that is not closed (straight-line Voronoi cells clipped to the city); its capacity
gap is the exposed people beyond its capacity.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import asyncpg
import geopandas as gpd
import pyogrio
import shapely

from gis_core.crs import METRIC_SRID

THRESHOLDS_M = (0.0, 0.5, 3.0)
EXPOSED_COLUMNS = ("exposed", "exposed_0_5m", "exposed_3m")
METHOD_JA = ("町丁目の人口が区域内に均等に分布すると仮定し、浸水想定区域と重なる面積の割合で按分。"
             "避難所の圏域は閉鎖中でない指定避難所の直線距離によるボロノイ分割。")
METHOD_EN = ("Population spread evenly over each chome area, apportioned by the share of its "
             "area in the flood zones. Shelter catchments: straight-line Voronoi cells of the "
             "designated shelters that are not closed.")

EXPOSURE_SQL = f"""
WITH levels AS (
    SELECT n, threshold FROM unnest($1::float8[]) WITH ORDINALITY AS t(threshold, n)),
zones AS (
    SELECT l.n, ST_Union(ST_Transform(z.geom, {METRIC_SRID})) AS g
    FROM levels l JOIN flood_zone z ON COALESCE(z.depth_min_m, 0) >= l.threshold
    GROUP BY l.n),
city AS (SELECT ST_Union(ST_Transform(geom, {METRIC_SRID})) AS g FROM city_boundary),
chome AS (
    SELECT id, name, population, population_is_estimate, ST_Transform(geom, {METRIC_SRID}) AS g
    FROM chome_area),
hosts AS (
    SELECT id, name, status, capacity, occupancy, ST_Transform(geom, {METRIC_SRID}) AS g
    FROM shelter WHERE is_designated_shelter AND status <> 'closed'),
cells AS (
    SELECT (ST_Dump(ST_VoronoiPolygons(ST_Collect(g), 0,
            (SELECT ST_Expand(g, 5000) FROM city)))).geom AS g FROM hosts),
catchment AS (
    SELECT h.id, h.name, h.status, h.capacity, h.occupancy,
           ST_Intersection(c.g, (SELECT g FROM city)) AS g
    FROM cells c JOIN hosts h ON ST_Contains(c.g, h.g)),
wet AS (
    SELECT c.id AS chome_id, z.n, ST_Intersection(c.g, z.g) AS g
    FROM chome c JOIN zones z ON ST_Intersects(c.g, z.g)),
piece AS (
    SELECT c.id AS chome_id, k.id AS shelter_id, ST_Intersection(c.g, k.g) AS g,
           c.population::float8 / NULLIF(ST_Area(c.g), 0) AS density
    FROM chome c JOIN catchment k ON ST_Intersects(c.g, k.g)),
piece_wet AS (
    SELECT p.chome_id, p.shelter_id, w.n, p.density * ST_Area(ST_Intersection(p.g, w.g)) AS people
    FROM piece p JOIN wet w ON w.chome_id = p.chome_id AND ST_Intersects(p.g, w.g))
SELECT 'chome' AS level, c.id, c.name, c.population::float8 AS population,
       c.population_is_estimate, NULL::text AS status, NULL::int AS capacity,
       NULL::int AS occupancy,
       ARRAY(SELECT COALESCE((SELECT c.population * ST_Area(w.g) / NULLIF(ST_Area(c.g), 0)
                              FROM wet w WHERE w.chome_id = c.id AND w.n = l.n), 0)
             FROM levels l ORDER BY l.n) AS exposed,
       CASE WHEN $2 THEN ST_AsBinary(ST_Transform(c.g, 4326)) END AS geom
FROM chome c
UNION ALL
SELECT 'catchment', k.id, k.name,
       (SELECT COALESCE(sum(p.density * ST_Area(p.g)), 0) FROM piece p WHERE p.shelter_id = k.id),
       NULL, k.status, k.capacity, k.occupancy,
       ARRAY(SELECT COALESCE((SELECT sum(pw.people) FROM piece_wet pw
                              WHERE pw.shelter_id = k.id AND pw.n = l.n), 0)
             FROM levels l ORDER BY l.n),
       CASE WHEN $2 THEN ST_AsBinary(ST_Transform(k.g, 4326)) END
FROM catchment k
"""


def _chome(row: asyncpg.Record) -> dict[str, Any]:
    """A 町丁目 whose population nobody entered (a planner's new area) counts as unknown, not
    as nobody: its figures are null and the totals say how many such areas they leave out."""
    population = row["population"]
    known = population is not None
    exposed = {name: round(v) if known else None
               for name, v in zip(EXPOSED_COLUMNS, row["exposed"], strict=True)}
    share = (round(row["exposed"][0] / population, 4) if population else 0.0) if known else None
    return {"id": row["id"], "name": row["name"],
            "population": round(population) if known else None,
            "population_is_estimate": row["population_is_estimate"], **exposed,
            "exposed_share": share}


def _catchment(row: asyncpg.Record) -> dict[str, Any]:
    exposed = dict(zip(EXPOSED_COLUMNS, (round(v) for v in row["exposed"]), strict=True))
    capacity = row["capacity"]
    gap = None if capacity is None else max(0, exposed["exposed"] - capacity)
    free = None if capacity is None else max(0, capacity - row["occupancy"])
    return {"shelter_id": row["id"], "name": row["name"], "status": row["status"],
            "capacity": capacity, "occupancy": row["occupancy"], "places_free": free,
            "population": round(row["population"]), **exposed, "capacity_gap": gap}


def _totals(rows: list[asyncpg.Record]) -> dict[str, int]:
    chome = [r for r in rows if r["level"] == "chome"]
    counted = [r for r in chome if r["population"] is not None]
    totals = {"population": round(sum(r["population"] for r in counted)),
              "chome_without_population": len(chome) - len(counted)}
    for index, name in enumerate(EXPOSED_COLUMNS):
        totals[name] = round(sum(r["exposed"][index] for r in counted))
    return totals


async def _rows(conn: asyncpg.Connection, with_geometry: bool) -> list[asyncpg.Record]:
    return await conn.fetch(EXPOSURE_SQL, list(THRESHOLDS_M), with_geometry)


async def exposure(conn: asyncpg.Connection, with_catchments: bool = True) -> dict[str, Any]:
    """Exposed people per 町丁目 (and per shelter catchment), with city totals."""
    rows = await _rows(conn, False)
    result: dict[str, Any] = {
        "totals": _totals(rows),
        "chome": [_chome(r) for r in rows if r["level"] == "chome"],
        "method_ja": METHOD_JA, "method_en": METHOD_EN,
        "sources": await sources(conn),
    }
    if with_catchments:
        result["catchments"] = [_catchment(r) for r in rows if r["level"] == "catchment"]
        result["totals"]["capacity_gap"] = sum(c["capacity_gap"] or 0
                                               for c in result["catchments"])
    return result


async def sources(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch("SELECT attribution FROM dataset WHERE layer_id = ANY($1::text[]) "
                            "ORDER BY layer_id", ["chome_areas", "flood_zones", "shelters"])
    return [row[0] for row in rows]


async def exposure_frames(conn: asyncpg.Connection
                          ) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(per 町丁目, per catchment) with their areas, for the GeoPackage and the map."""
    rows = await _rows(conn, True)
    frames = []
    for level, shape in (("chome", _chome), ("catchment", _catchment)):
        chosen = [r for r in rows if r["level"] == level]
        frames.append(gpd.GeoDataFrame(
            [shape(r) for r in chosen],
            geometry=[shapely.from_wkb(bytes(r["geom"])) for r in chosen], crs="EPSG:4326"))
    return frames[0], frames[1]


def to_csv(records: list[dict[str, Any]]) -> str:
    """CSV with a header; UTF-8 (the route adds a BOM so Excel reads the Japanese names)."""
    out = io.StringIO()
    if records:
        writer = csv.DictWriter(out, fieldnames=list(records[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(records)
    return out.getvalue()


def to_geopackage(chome: gpd.GeoDataFrame, catchments: gpd.GeoDataFrame) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "exposure.gpkg"
        pyogrio.write_dataframe(chome, path, layer="exposure_chome", driver="GPKG")
        pyogrio.write_dataframe(catchments, path, layer="exposure_catchments", driver="GPKG",
                                append=True)
        return path.read_bytes()
