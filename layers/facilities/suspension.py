"""Suspending a facility (利用停止): the hook the disaster domain calls when a facility opens
as a shelter. Every active booking of its rooms overlapping the time is suspended and its holder
told; each room is blocked for the time by a ``blocked`` booking, so the same exclusion
constraint that keeps bookings apart refuses new ones until the suspension is lifted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from gis_core.errors import NotFoundError, RuleViolation
from layers.facilities import notify
from layers.facilities.ledger import iso
from layers.facilities.rooms import utcnow


async def suspend_facility(conn: asyncpg.Connection, facility_id: int, start: datetime,
                           end: datetime, reason: str = "避難所の開設",
                           by_user_id: int | None = None,
                           now: datetime | None = None) -> dict[str, Any]:
    """Suspend all bookings of a facility in [start, end) and notify their holders.

    Returns the suspension: its id, the rooms blocked and the bookings suspended."""
    if end <= start:
        raise RuleViolation("end must be after start", "end")
    async with conn.transaction():
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM facility WHERE id = $1)",
                                   facility_id):
            raise NotFoundError(f"no facility {facility_id}", "facilityId")
        # Bookings racing the suspension wait, then see the blocks.
        await conn.execute("LOCK TABLE booking IN SHARE ROW EXCLUSIVE MODE")
        suspension_id = await conn.fetchval(
            "INSERT INTO facility_suspension (facility_id, period, reason, created_by) "
            "VALUES ($1, tstzrange($2, $3), $4, $5) RETURNING id",
            facility_id, start, end, reason, by_user_id)
        suspended = await conn.fetch(
            "UPDATE booking SET status = 'suspended', suspension_id = $2, cancelled_at = $5 "
            "WHERE room_id IN (SELECT id FROM room WHERE facility_id = $1) "
            "AND status IN ('confirmed', 'won') AND period && tstzrange($3, $4) RETURNING id",
            facility_id, suspension_id, start, end, now or utcnow())
        rooms = await _block_rooms(conn, facility_id, suspension_id, start, end)
        await notify.enqueue_bookings(conn, [r["id"] for r in suspended], "suspended",
                                      f"suspended-{suspension_id}", {"reason": reason})
    return {"id": suspension_id, "facility_id": facility_id, "start": iso(start),
            "end": iso(end), "reason": reason, "rooms_blocked": rooms,
            "bookings_suspended": [r["id"] for r in suspended]}


BLOCK_SQL = """
INSERT INTO booking (room_id, period, status, source, suspension_id)
SELECT r.id, piece, 'blocked', 'suspension', $4
FROM room r CROSS JOIN LATERAL unnest(
    tstzmultirange(tstzrange($2, $3)) - coalesce(
        (SELECT range_agg(b.period) FROM booking b WHERE b.room_id = r.id
         AND b.status = 'blocked' AND b.period && tstzrange($2, $3)),
        '{}'::tstzmultirange)) AS piece
WHERE r.facility_id = $1
"""


async def _block_rooms(conn: asyncpg.Connection, facility_id: int, suspension_id: int,
                       start: datetime, end: datetime) -> list[int]:
    """Block each room over the parts of the time no earlier suspension blocks already."""
    await conn.execute(BLOCK_SQL, facility_id, start, end, suspension_id)
    return [r["id"] for r in await conn.fetch(
        "SELECT id FROM room WHERE facility_id = $1 ORDER BY id", facility_id)]


async def lift_suspension(conn: asyncpg.Connection, suspension_id: int,
                          now: datetime | None = None) -> dict[str, Any]:
    """End a suspension early: its blocks go; suspended bookings stay cancelled (their holders
    were told and may book again)."""
    async with conn.transaction():
        row = await conn.fetchrow(
            "UPDATE facility_suspension SET lifted_at = coalesce(lifted_at, $2) WHERE id = $1 "
            "RETURNING facility_id, lower(period) AS start, upper(period) AS end, reason",
            suspension_id, now or utcnow())
        if row is None:
            raise NotFoundError(f"no suspension {suspension_id}", "suspensionId")
        await conn.execute("UPDATE booking SET status = 'cancelled', cancelled_at = now() "
                           "WHERE suspension_id = $1 AND status = 'blocked'", suspension_id)
    return {"id": suspension_id, "facility_id": row["facility_id"], "start": iso(row["start"]),
            "end": iso(row["end"]), "reason": row["reason"], "lifted": True}
