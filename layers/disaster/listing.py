"""Lists for the light emergency page: every shelter, and the 町丁目 to pick a place by."""

from __future__ import annotations

from typing import Any

import asyncpg

# Status columns arrive with shelter operations; until then every shelter reads as unknown.
SHELTERS_SQL = """
SELECT s.id, s.name, s.address, s.capacity, s.is_designated_shelter, s.is_emergency_site,
       s.flood, s.earthquake, s.is_sample, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
       to_jsonb(s) ->> 'status' AS status, (to_jsonb(s) ->> 'occupancy')::int AS occupancy
FROM shelter s
ORDER BY s.name
"""


async def all_shelters(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(SHELTERS_SQL)]


async def chome_points(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT name, name_kana, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM chome "
        "ORDER BY coalesce(name_kana, name)"
    )
    return [dict(row) for row in rows]
