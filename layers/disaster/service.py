"""Services of the disaster domain: shelters near a place, shelter search."""

from __future__ import annotations

from typing import Any

import asyncpg

from gis_core.proximity import nearest
from gis_core.text import like_pattern

SHELTER_COLUMNS = ["name", "is_designated_shelter", "is_emergency_site", "capacity", "status",
                   "occupancy"]


def _category(row: dict[str, Any]) -> str:
    kinds = []
    if row["is_designated_shelter"]:
        kinds.append("指定避難所")
    if row["is_emergency_site"]:
        kinds.append("指定緊急避難場所")
    return "・".join(kinds)


async def nearest_shelters(conn: asyncpg.Connection, lon: float, lat: float,
                           limit: int = 3) -> list[dict[str, Any]]:
    rows = await nearest(conn, "shelter", SHELTER_COLUMNS, lon, lat, limit)
    return [{"layer": "shelters", "category": _category(row), **row} for row in rows]


async def search_shelters(conn: asyncpg.Connection, query: str, _folded: str,
                          limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT 'shelter' AS kind, 'shelters' AS layer, id, name, NULL AS name_kana,
               is_designated_shelter, is_emergency_site,
               ST_X(geom) AS lon, ST_Y(geom) AS lat, NULL AS bbox
        FROM shelter WHERE name LIKE $1 OR address LIKE $1
        ORDER BY (name LIKE $2) DESC, length(name), name LIMIT $3
        """,
        like_pattern(query), like_pattern(query)[1:], limit,
    )
    return [{**dict(row), "category": _category(dict(row))} for row in rows]
