"""Load the benchmark database ``citygis_bench``: the platform's migrations plus 1,000,000
points and 200,000 small polygons (10–60 m squares and hexagons) in the city's bounding box,
generated in SQL with a fixed seed. Idempotent: a table already holding the right count is
kept.

    python -m bench.load [--points N] [--polygons N]
"""

from __future__ import annotations

import argparse
import time

import psycopg
from sqlalchemy.engine import URL

from bench.layers import BENCH_POINTS, BENCH_POLYGONS, CITY_BBOX
from gis_core.catalog import Layer
from gis_core.database import database_url, ensure_database, psycopg_connect
from gis_core.migrate import upgrade
from gis_core.schema import layer_geometry_sql
from layers import migration_folders

BENCH_DATABASE = "citygis_bench"
POINTS = 1_000_000
POLYGONS = 200_000
SEED = 0.20260401
# Metres to degrees near 35.75° N.
DEG_PER_M_LAT = 1 / 111_320
DEG_PER_M_LON = 1 / 90_370
KINDS = "ARRAY['住宅', '店舗', '事務所', '工場', '公共施設', '農地']"

TABLE_SQL = """
CREATE TABLE {table} (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    kind text NOT NULL,
    value double precision NOT NULL
);
"""

# A random position, size and value per row, drawn in one pass so the seed fixes them all.
RANDOM_ROWS = """
SELECT i,
       {x0} + random() * {dx} AS x,
       {y0} + random() * {dy} AS y,
       5 + random() * 25 AS r,
       round((random() * 1000)::numeric, 2)::float8 AS value
FROM generate_series(1, {count}) AS i
"""

POINT_INSERT = """
INSERT INTO {table} (id, name, kind, value, geom)
SELECT i, '点 ' || i, ({kinds})[1 + i % 6], value, ST_SetSRID(ST_MakePoint(x, y), 4326)
FROM ({rows}) g
"""

# Even ids: a square of side 2r; odd ids: a hexagon of radius r (r in metres, 5–30).
POLYGON_INSERT = """
INSERT INTO {table} (id, name, kind, value, geom)
SELECT i, '面 ' || i, ({kinds})[1 + i % 6], value,
       CASE WHEN i % 2 = 0 THEN
           ST_MakeEnvelope(x - r * {kx}, y - r * {ky}, x + r * {kx}, y + r * {ky}, 4326)
       ELSE (SELECT ST_SetSRID(ST_MakePolygon(ST_MakeLine(ring || ring[1])), 4326)
             FROM (SELECT ARRAY(SELECT ST_MakePoint(x + r * {kx} * cosd(a), y + r * {ky} * sind(a))
                                FROM generate_series(0, 300, 60) AS a) AS ring) h)
       END
FROM ({rows}) g
"""


def bench_url() -> URL:
    return database_url().set(database=BENCH_DATABASE)


def _count(conn: psycopg.Connection, table: str) -> int | None:
    exists = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
    if exists is None or exists[0] is None:
        return None
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _random_rows(count: int) -> str:
    x0, y0, x1, y1 = CITY_BBOX
    return RANDOM_ROWS.format(x0=x0, dx=x1 - x0, y0=y0, dy=y1 - y0, count=count)


def _insert_sql(layer: Layer, count: int) -> str:
    template = POINT_INSERT if layer.geometry_type == "Point" else POLYGON_INSERT
    return template.format(table=layer.table, kinds=KINDS, rows=_random_rows(count),
                           kx=DEG_PER_M_LON, ky=DEG_PER_M_LAT)


def load_layer(url: URL, layer: Layer, count: int, seed: float) -> bool:
    """(Re)create and fill one table unless it already holds ``count`` rows; True if loaded."""
    with psycopg_connect(url) as conn:
        if _count(conn, layer.table) == count:
            return False
        conn.execute(f"DROP TABLE IF EXISTS {layer.table}")
        conn.execute(TABLE_SQL.format(table=layer.table))
        conn.execute(layer_geometry_sql(layer.table, layer.geometry_type, [layer.id]))
        conn.execute("SELECT setseed(%s)", (seed,))
        conn.execute(_insert_sql(layer, count))
        conn.commit()
    with psycopg_connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {layer.table}")
    return True


def load(points: int = POINTS, polygons: int = POLYGONS) -> URL:
    """Create, migrate and fill the benchmark database; returns its URL."""
    url = bench_url()
    if ensure_database(url):
        print(f"created database {url.database}")
    upgrade(url, migration_folders())
    for layer, count, seed in ((BENCH_POINTS, points, SEED), (BENCH_POLYGONS, polygons, -SEED)):
        started = time.perf_counter()
        loaded = load_layer(url, layer, count, seed)
        state = f"loaded in {time.perf_counter() - started:.1f} s" if loaded else "already loaded"
        print(f"  {layer.table:<15} {count:>9,} rows {state}")
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=POINTS)
    parser.add_argument("--polygons", type=int, default=POLYGONS)
    args = parser.parse_args()
    load(args.points, args.polygons)


if __name__ == "__main__":
    main()
