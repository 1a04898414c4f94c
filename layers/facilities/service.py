"""Services of the facilities domain (bookings and the lottery arrive with their issue)."""

from __future__ import annotations

from typing import Any

import asyncpg

from gis_core.proximity import nearest
from gis_core.text import like_pattern


async def nearest_facilities(conn: asyncpg.Connection, lon: float, lat: float,
                             limit: int = 5) -> list[dict[str, Any]]:
    rows = await nearest(conn, "facility", ["name", "category_ja", "kind"], lon, lat, limit)
    return [{"layer": "facilities", "category": row.pop("category_ja"), **row} for row in rows]


async def search_facilities(conn: asyncpg.Connection, query: str, folded: str,
                            limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT 'facility' AS kind, 'facilities' AS layer, id, name, name_kana,
               category_ja AS category, ST_X(geom) AS lon, ST_Y(geom) AS lat, NULL AS bbox
        FROM facility
        WHERE name LIKE $1 OR category_ja LIKE $1 OR name_kana LIKE $2
        ORDER BY (name LIKE $3) DESC, length(name), name
        LIMIT $4
        """,
        like_pattern(query), like_pattern(folded), like_pattern(query)[1:], limit,
    )
    return [dict(row) for row in rows]
