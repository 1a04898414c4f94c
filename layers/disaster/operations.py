"""What emergency mode does to the other services: a facility that opens as a shelter has its
bookings suspended through the facilities service (whose holders are emailed by it)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from layers.facilities import service as facilities
from layers.facilities.rooms import utcnow

SUSPENSION = timedelta(hours=72)  # lifted earlier by facility staff when the shelter closes
REASON = "避難所として開設したため（災害対応）"


async def suspend_for_shelter(conn: asyncpg.Connection, shelter_id: int,
                              user_id: int | None) -> dict[str, Any] | None:
    """Suspend the bookings of the facility at the shelter, from now for SUSPENSION."""
    place = await conn.fetchrow("SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM shelter "
                                "WHERE id = $1", shelter_id)
    facility_id = place and await facilities.facility_at(conn, place["lon"], place["lat"])
    if not facility_id:
        return None
    start = utcnow()
    return await facilities.suspend_facility(conn, facility_id, start, start + SUSPENSION,
                                             REASON, by_user_id=user_id)


async def suspend_for_open_shelters(conn: asyncpg.Connection,
                                    user_id: int | None) -> list[dict[str, Any]]:
    """At the start of emergency mode: every designated shelter (a building people stay in)
    that is open."""
    shelter_ids = await conn.fetch("SELECT id FROM shelter WHERE status IN ('open', 'full') "
                                   "AND is_designated_shelter ORDER BY id")
    found = [await suspend_for_shelter(conn, row["id"], user_id) for row in shelter_ids]
    return [suspension for suspension in found if suspension]


def opened(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return before["status"] == "closed" and after["status"] in ("open", "full")
