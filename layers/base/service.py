"""Services of the base domain: which 町丁目 a place is in, and 町丁目 search."""

from __future__ import annotations

from typing import Any

import asyncpg
import psycopg
import shapely

from gis_core.text import like_pattern


async def chome_at(conn: asyncpg.Connection, lon: float, lat: float) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        """
        SELECT a.name, c.name_kana, a.approximate
        FROM chome_area a LEFT JOIN chome c ON c.name = a.name
        WHERE ST_Intersects(a.geom, ST_Point($1, $2, 4326))
        ORDER BY a.id LIMIT 1
        """,
        lon, lat,
    )
    return dict(row) if row else None


async def inside_city(conn: asyncpg.Connection, lon: float, lat: float) -> bool:
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM city_boundary "
        "WHERE ST_Intersects(geom, ST_Point($1, $2, 4326)))",
        lon, lat,
    ))


async def search_chome(conn: asyncpg.Connection, query: str, folded: str,
                       limit: int) -> list[dict[str, Any]]:
    """町丁目 whose name contains ``query`` or whose reading contains the kana-folded query."""
    rows = await conn.fetch(
        r"""
        SELECT 'chome' AS kind, 'chome' AS layer, c.id, c.name, c.name_kana,
               '町丁目' AS category, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat,
               ARRAY[ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom)] AS bbox
        FROM chome c LEFT JOIN chome_area a ON a.name = c.name
        WHERE c.name LIKE $1 OR c.name_kana LIKE $2
        ORDER BY (c.name LIKE $3 OR c.name_kana LIKE $4) DESC, length(c.name), c.name
        LIMIT $5
        """,
        like_pattern(query), like_pattern(folded), like_pattern(query)[1:],
        like_pattern(folded)[1:], limit,
    )
    return [dict(row) for row in rows]


def road_lines(conn: psycopg.Connection) -> list[shapely.Geometry]:
    """Every road centre line (EPSG:4326), for building the walking graph."""
    rows = conn.execute("SELECT ST_AsBinary(geom) FROM road ORDER BY id").fetchall()
    return [shapely.from_wkb(bytes(row[0])) for row in rows]


async def chome_area(conn: asyncpg.Connection, name: str) -> str | None:
    """The (approximate) area of a 町丁目 as GeoJSON, by its exact name."""
    return await conn.fetchval(
        "SELECT ST_AsGeoJSON(ST_Union(geom)) FROM chome_area WHERE name = $1 HAVING count(*) > 0",
        name)
