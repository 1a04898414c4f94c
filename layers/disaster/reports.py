"""Citizens' reports of damage and blocked roads, triaged by disaster officers. Reports of the
same category within DUPLICATE_RADIUS_M metres are suggested as duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

CATEGORIES = ("building_damage", "blocked_road", "flooding", "fire", "landslide", "other")
STATUSES = ("new", "confirmed", "duplicate", "resolved", "rejected")
DUPLICATE_RADIUS_M = 50
OPEN_STATUSES = ("new", "confirmed")
BLOCK_RADIUS_M = 20  # a report marks the road segments this close to it as blocked

# The walking graph's edges are blocked exactly when a confirmed blocked-road report is near.
BLOCK_EDGES_SQL = f"""
UPDATE road_edge e SET blocked = b.blocked
FROM (SELECT e.id, EXISTS (
          SELECT 1 FROM crowd_report r
          WHERE r.category = 'blocked_road' AND r.status = 'confirmed'
            AND ST_DWithin(r.geom::geography, e.geom::geography, {BLOCK_RADIUS_M})) AS blocked
      FROM road_edge e) b
WHERE b.id = e.id AND e.blocked IS DISTINCT FROM b.blocked
"""


@dataclass(frozen=True)
class NewReport:
    lon: float
    lat: float
    category: str
    note: str
    photo: str | None
    reporter_id: int | None
    reporter_ip: str | None


async def create(conn: asyncpg.Connection, report: NewReport) -> int:
    return await conn.fetchval(
        "INSERT INTO crowd_report (category, note, photo, reporter_id, reporter_ip, geom) "
        "VALUES ($1, $2, $3, $4, $5::inet, ST_Point($6, $7, 4326)) RETURNING id",
        report.category, report.note, report.photo, report.reporter_id, report.reporter_ip,
        report.lon, report.lat,
    )


NEARBY_SQL = f"""
SELECT o.id, o.status, round(ST_Distance(o.geom::geography, r.geom::geography))::int AS metres
FROM crowd_report r JOIN crowd_report o
  ON o.id <> r.id AND o.category = r.category AND o.status IN {OPEN_STATUSES!r}
 AND ST_DWithin(o.geom::geography, r.geom::geography, {DUPLICATE_RADIUS_M})
WHERE r.id = $1
ORDER BY metres, o.id
"""


async def similar(conn: asyncpg.Connection, report_id: int) -> list[dict[str, Any]]:
    """Open reports of the same category close enough to be the same thing."""
    return [dict(row) for row in await conn.fetch(NEARBY_SQL, report_id)]


LIST_SQL = """
SELECT id, category, note, status, duplicate_of, photo IS NOT NULL AS has_photo,
       ST_X(geom) AS lon, ST_Y(geom) AS lat, created_at, triaged_by, triaged_at
FROM crowd_report
WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR category = $2)
ORDER BY created_at DESC, id DESC
LIMIT $3
"""


async def listing(conn: asyncpg.Connection, status: str | None, category: str | None,
                  limit: int) -> list[dict[str, Any]]:
    """Reports for the officers' triage, newest first, each with its suggested duplicates.
    No reporter: who reported is kept for abuse handling only."""
    found = []
    for row in await conn.fetch(LIST_SQL, status, category, limit):
        report = dict(row)
        report["created_at"] = report["created_at"].isoformat()
        if report["triaged_at"]:
            report["triaged_at"] = report["triaged_at"].isoformat()
        report["suggested_duplicates"] = await similar(conn, report["id"])
        found.append(report)
    return found


async def triage(conn: asyncpg.Connection, report_id: int, status: str,
                 duplicate_of: int | None, officer: str) -> bool:
    """Set a report's status; False when there is no such report."""
    updated = await conn.fetchval(
        "UPDATE crowd_report SET status = $2, duplicate_of = $3, triaged_by = $4, "
        "triaged_at = now() WHERE id = $1 RETURNING id",
        report_id, status, duplicate_of, officer,
    )
    if updated is not None:
        await conn.execute(BLOCK_EDGES_SQL)
    return updated is not None


async def photo_of(conn: asyncpg.Connection, report_id: int) -> str | None:
    return await conn.fetchval("SELECT photo FROM crowd_report WHERE id = $1", report_id)


async def blocked_road_points(conn: asyncpg.Connection) -> list[tuple[float, float]]:
    """Confirmed blocked roads, for routing to avoid."""
    rows = await conn.fetch(
        "SELECT ST_X(geom), ST_Y(geom) FROM crowd_report "
        "WHERE category = 'blocked_road' AND status = 'confirmed'"
    )
    return [(row[0], row[1]) for row in rows]
