"""The waiting list (キャンセル待ち): a place in line for a booked time; when the time frees up
(a cancellation, a change, a lapsed lottery win) the first in line whose whole time is free is
booked automatically and told so."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from gis_core.errors import ConflictError, LimitReached, NotFoundError
from layers.facilities import notify
from layers.facilities.ledger import (
    ACTIVE,
    MAX_ACTIVE,
    SlotTaken,
    active_count,
    check_first_come,
    insert_booking,
    iso,
    lock_person,
)
from layers.facilities.rooms import check_request, load_room, utcnow
from layers.facilities.schemas import BookingIn

MAX_WAITING = 3


class SlotFree(ConflictError):
    slug = "slot-free"


async def join(conn: asyncpg.Connection, user_id: int, request: BookingIn,
               now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    async with conn.transaction():
        room = await load_room(conn, request.room_id)
        check_request(room, request.start, request.end, request.party_size, now)
        await check_first_come(conn, room, request.start, now)
        await _check_taken(conn, user_id, request)
        await lock_person(conn, user_id)
        waiting = await conn.fetchval(
            "SELECT count(*) FROM waitlist_entry WHERE user_id = $1 AND status = 'waiting' "
            "AND lower(period) > $2", user_id, now)
        if waiting >= MAX_WAITING:
            raise LimitReached(f"you wait for {waiting} times already; at most {MAX_WAITING}")
        entry_id = await _insert(conn, user_id, request)
        return await entry_doc(conn, entry_id)


async def _check_taken(conn: asyncpg.Connection, user_id: int, request: BookingIn) -> None:
    holder = await conn.fetchrow(
        "SELECT user_id FROM booking WHERE room_id = $1 AND status = ANY($4::text[]) "
        "AND period && tstzrange($2, $3) LIMIT 1",
        request.room_id, request.start, request.end, list(ACTIVE))
    if holder is None:
        raise SlotFree("that time is free: book it instead of waiting", "start")
    if holder["user_id"] == user_id:
        raise ConflictError("you hold that time already", "start")


async def _insert(conn: asyncpg.Connection, user_id: int, request: BookingIn) -> int:
    try:
        async with conn.transaction():
            return await conn.fetchval(
                "INSERT INTO waitlist_entry (room_id, user_id, period, party_size, purpose) "
                "VALUES ($1, $2, tstzrange($3, $4), $5, $6) RETURNING id",
                request.room_id, user_id, request.start, request.end, request.party_size,
                request.purpose)
    except asyncpg.UniqueViolationError:
        raise ConflictError("you are on the waiting list for that time already",
                            "start") from None


ENTRY_SQL = """
SELECT w.id, w.room_id, r.name AS room_name, f.name AS facility_name, lower(w.period) AS start,
       upper(w.period) AS end, w.status, w.party_size, w.booking_id, w.created_at,
       (SELECT count(*) FROM waitlist_entry o WHERE o.room_id = w.room_id
        AND o.status = 'waiting' AND o.period && w.period
        AND (o.created_at, o.id) <= (w.created_at, w.id)) AS position
FROM waitlist_entry w JOIN room r ON r.id = w.room_id JOIN facility f ON f.id = r.facility_id
"""


def _entry_json(row: asyncpg.Record) -> dict[str, Any]:
    doc = {k: row[k] for k in ("id", "room_id", "room_name", "facility_name", "status",
                               "party_size", "booking_id")}
    doc.update(start=iso(row["start"]), end=iso(row["end"]), created_at=iso(row["created_at"]),
               position=row["position"] if row["status"] == "waiting" else None)
    return doc


async def entry_doc(conn: asyncpg.Connection, entry_id: int) -> dict[str, Any]:
    return _entry_json(await conn.fetchrow(ENTRY_SQL + " WHERE w.id = $1", entry_id))


async def user_entries(conn: asyncpg.Connection, user_id: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(ENTRY_SQL + " WHERE w.user_id = $1 ORDER BY w.created_at DESC",
                            user_id)
    return [_entry_json(r) for r in rows]


async def withdraw(conn: asyncpg.Connection, user_id: int, entry_id: int) -> dict[str, Any]:
    status = await conn.fetchval(
        "UPDATE waitlist_entry SET status = 'withdrawn', updated_at = now() "
        "WHERE id = $1 AND user_id = $2 AND status = 'waiting' RETURNING status",
        entry_id, user_id)
    if status is None:
        raise NotFoundError(f"no waiting entry {entry_id} of yours", "entryId")
    return await entry_doc(conn, entry_id)


async def promote(conn: asyncpg.Connection, room_id: int, start: datetime, end: datetime,
                  now: datetime) -> list[int]:
    """Book the waiting entries overlapping a freed time, first come first served, where their
    whole time is free now and their holder is under the limit; the new booking ids."""
    waiting = await conn.fetch(
        "SELECT id, user_id, lower(period) AS start, upper(period) AS end, party_size, purpose "
        "FROM waitlist_entry WHERE room_id = $1 AND status = 'waiting' "
        "AND period && tstzrange($2, $3) AND lower(period) > $4 "
        "ORDER BY created_at, id FOR UPDATE", room_id, start, end, now)
    promoted = []
    for entry in waiting:
        if await active_count(conn, entry["user_id"], now) >= MAX_ACTIVE:
            continue
        try:
            booking_id = await insert_booking(conn, room_id, entry["user_id"], entry["start"],
                                              entry["end"], entry["party_size"],
                                              entry["purpose"], source="waitlist")
        except SlotTaken:
            continue
        await conn.execute("UPDATE waitlist_entry SET status = 'promoted', booking_id = $2, "
                           "updated_at = now() WHERE id = $1", entry["id"], booking_id)
        await notify.enqueue_bookings(conn, [booking_id], "promoted")
        promoted.append(booking_id)
    return promoted
