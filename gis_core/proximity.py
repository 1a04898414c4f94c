"""Nearest features to a point, with metric-true distances and walking-time estimates."""

from __future__ import annotations

import math
from typing import Any

import asyncpg

from gis_core.measure import distance_m_sql

# 不動産の表示に関する公正競争規約: one minute on foot = 80 m.
WALKING_METRES_PER_MINUTE = 80.0
# The index orders by degrees (a longitude degree is shorter than a latitude degree here):
# take extra candidates, then order them by true distance.
CANDIDATE_FACTOR = 4


def walking_minutes(distance_m: float) -> int:
    """Minutes on foot for a straight-line distance (a lower bound of the real walk)."""
    return max(1, math.ceil(distance_m / WALKING_METRES_PER_MINUTE))


async def nearest(conn: asyncpg.Connection, table: str, columns: list[str], lon: float,
                  lat: float, limit: int, where: str = "TRUE") -> list[dict[str, Any]]:
    """The ``limit`` rows of ``table`` nearest to (lon, lat), with ``distance_m``."""
    selected = ", ".join(f't."{c}"' for c in ["id", *columns])
    sql = f"""
        SELECT * FROM (
            SELECT {selected}, {distance_m_sql('t.geom', 'p.geom')} AS distance_m
            FROM {table} t, (SELECT ST_Point($1, $2, 4326) AS geom) p
            WHERE {where}
            ORDER BY t.geom <-> p.geom
            LIMIT $3
        ) candidates ORDER BY distance_m LIMIT $4
    """
    rows = await conn.fetch(sql, lon, lat, limit * CANDIDATE_FACTOR, limit)
    return [
        {**dict(row), "distance_m": round(row["distance_m"], 1),
         "walking_minutes": walking_minutes(row["distance_m"])}
        for row in rows
    ]
