"""Staff management of rooms (施設管理): rooms with their units, opening hours and closed days,
and the bookings of a room with their holders (personal data: the API audits every read)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from gis_core.errors import ConflictError, NotFoundError, RuleViolation
from layers.facilities.ledger import ACTIVE, iso
from layers.facilities.rooms import Room, at, load_room, room_doc, room_docs
from layers.facilities.schemas import ClosureIn, HoursIn, RoomIn, RoomPatch, UnitIn

COLUMNS = ("name", "kind", "capacity", "fee_yen", "equipment", "closed_on_holidays", "lottery",
           "active")


async def all_rooms(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every room, the inactive ones too (the public list leaves them out)."""
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM room ORDER BY facility_id, name")]
    return await room_docs(conn, ids)


async def create_room(conn: asyncpg.Connection, data: RoomIn) -> dict[str, Any]:
    async with conn.transaction():
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM facility WHERE id = $1)",
                                   data.facility_id):
            raise NotFoundError(f"no facility {data.facility_id}", "facility_id")
        try:
            room_id = await conn.fetchval(
                "INSERT INTO room (facility_id, name, kind, capacity, fee_yen, equipment, "
                "closed_on_holidays, lottery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                "RETURNING id", data.facility_id, data.name, data.kind, data.capacity,
                data.fee_yen, data.equipment, data.closed_on_holidays, data.lottery)
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"the facility has a room named {data.name!r} already",
                                "name") from None
        await _set_units(conn, room_id, data.units)
        await _set_hours(conn, room_id, data.hours)
        return room_doc(_bookable(await load_room(conn, room_id)))


async def update_room(conn: asyncpg.Connection, room_id: int, patch: RoomPatch) -> dict[str, Any]:
    async with conn.transaction():
        await load_room(conn, room_id, "roomId")
        changes = {k: v for k, v in patch.model_dump(exclude_unset=True).items()
                   if k in COLUMNS and v is not None}
        if changes:
            assignments = ", ".join(f"{k} = ${n}" for n, k in enumerate(changes, start=2))
            try:
                await conn.execute(f"UPDATE room SET {assignments} WHERE id = $1", room_id,
                                   *changes.values())
            except asyncpg.UniqueViolationError:
                raise ConflictError("the facility has a room of that name already",
                                    "name") from None
        if patch.units is not None:
            await _set_units(conn, room_id, patch.units)
        if patch.hours is not None:
            await _set_hours(conn, room_id, patch.hours)
        room = await load_room(conn, room_id)
        if patch.units is not None:
            _bookable(room)
        return room_doc(room)


def _bookable(room: Room) -> Room:
    """Refuse units, as staff write them, of which one lies outside the opening hours of every
    weekday: it could never be booked. A unit outside one day's hours is fine (that day does not
    offer it), and so is shortening the hours alone: the units they leave out are not offered."""
    for unit in room.units:
        if not any(opens <= unit.starts and unit.ends <= closes
                   for opens, closes in room.hours.values()):
            spans = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in sorted(set(room.hours.values())))
            raise RuleViolation(f"unit {unit.label} {unit.starts:%H:%M}–{unit.ends:%H:%M} lies "
                                f"outside the opening hours of every day ({spans})", "units")
    return room


async def _set_units(conn: asyncpg.Connection, room_id: int, units: list[UnitIn]) -> None:
    if any(u.starts >= u.ends for u in units):
        raise RuleViolation("each unit must end after it starts", "units")
    await conn.execute("DELETE FROM room_unit WHERE room_id = $1", room_id)
    try:
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO room_unit (room_id, label, starts, ends) VALUES ($1, $2, $3, $4)",
                [(room_id, u.label, u.starts, u.ends) for u in units])
    except (asyncpg.ExclusionViolationError, asyncpg.UniqueViolationError):
        raise RuleViolation("booking units must not overlap", "units") from None


async def _set_hours(conn: asyncpg.Connection, room_id: int, hours: list[HoursIn]) -> None:
    if any(h.opens >= h.closes for h in hours):
        raise RuleViolation("each day must close after it opens", "hours")
    if len({h.weekday for h in hours}) != len(hours):
        raise RuleViolation("one entry per weekday", "hours")
    await conn.execute("DELETE FROM room_hours WHERE room_id = $1", room_id)
    await conn.executemany(
        "INSERT INTO room_hours (room_id, weekday, opens, closes) VALUES ($1, $2, $3, $4)",
        [(room_id, h.weekday, h.opens, h.closes) for h in hours])


async def retire_room(conn: asyncpg.Connection, room_id: int) -> dict[str, Any]:
    """Delete a room that was never booked; one with history is deactivated instead."""
    async with conn.transaction():
        await load_room(conn, room_id, "roomId")
        used = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM booking WHERE room_id = $1) OR EXISTS "
            "(SELECT 1 FROM lottery_slot WHERE room_id = $1) OR EXISTS "
            "(SELECT 1 FROM waitlist_entry WHERE room_id = $1)", room_id)
        if used:
            await conn.execute("UPDATE room SET active = false WHERE id = $1", room_id)
            return {"id": room_id, "deleted": False, "active": False}
        await conn.execute("DELETE FROM room WHERE id = $1", room_id)
        return {"id": room_id, "deleted": True, "active": False}


async def add_closure(conn: asyncpg.Connection, room_id: int, closure: ClosureIn) -> dict[str, Any]:
    """Close a room for a day (臨時休館); refused while bookings hold that day."""
    async with conn.transaction():
        await load_room(conn, room_id, "roomId")
        held = await conn.fetchval(
            "SELECT count(*) FROM booking WHERE room_id = $1 AND status IN ('confirmed', 'won') "
            "AND period && tstzrange($2, $3)", room_id, at(closure.day, datetime.min.time()),
            at(closure.day + timedelta(days=1), datetime.min.time()))
        if held:
            raise ConflictError(f"{held} booking(s) hold {closure.day}: suspend or cancel them "
                                "first", "day")
        await conn.execute(
            "INSERT INTO room_closure (room_id, day, reason) VALUES ($1, $2, $3) "
            "ON CONFLICT (room_id, day) DO UPDATE SET reason = EXCLUDED.reason",
            room_id, closure.day, closure.reason)
        return room_doc(await load_room(conn, room_id))


async def remove_closure(conn: asyncpg.Connection, room_id: int, day: date) -> dict[str, Any]:
    removed = await conn.fetchval(
        "DELETE FROM room_closure WHERE room_id = $1 AND day = $2 RETURNING day", room_id, day)
    if removed is None:
        raise NotFoundError(f"room {room_id} is not closed on {day}", "day")
    return room_doc(await load_room(conn, room_id))


async def room_bookings(conn: asyncpg.Connection, room_id: int, start: datetime,
                        end: datetime) -> list[dict[str, Any]]:
    """Bookings of a room with their holders (staff only; audited by the caller)."""
    await load_room(conn, room_id, "roomId")
    rows = await conn.fetch(
        "SELECT b.id, lower(b.period) AS start, upper(b.period) AS end, b.status, b.source, "
        "b.party_size, b.purpose, u.username, u.display_name, u.email FROM booking b "
        "LEFT JOIN app_user u ON u.id = b.user_id WHERE b.room_id = $1 "
        "AND b.period && tstzrange($2, $3) AND b.status = ANY($4::text[]) ORDER BY b.period",
        room_id, start, end, [*ACTIVE, "cancelled", "lapsed", "suspended"])
    return [{**{k: row[k] for k in ("id", "status", "source", "party_size", "purpose",
                                    "username", "display_name", "email")},
             "start": iso(row["start"]), "end": iso(row["end"])} for row in rows]


DAY_BOOKINGS_SQL = """
SELECT b.id, b.room_id, r.name AS room_name, f.id AS facility_id, f.name AS facility_name,
       lower(b.period) AS start, upper(b.period) AS end, b.status, b.source, b.party_size,
       b.purpose, u.username, u.display_name
FROM booking b JOIN room r ON r.id = b.room_id JOIN facility f ON f.id = r.facility_id
LEFT JOIN app_user u ON u.id = b.user_id
WHERE b.period && tstzrange($1, $2) AND ($3::integer IS NULL OR f.id = $3)
ORDER BY lower(b.period), f.name, r.name, b.id
"""
DAY_FIELDS = ("id", "room_id", "room_name", "facility_id", "facility_name", "status", "source",
              "party_size", "purpose", "username", "display_name")


async def day_bookings(conn: asyncpg.Connection, day: date,
                       facility_id: int | None = None) -> list[dict[str, Any]]:
    """Every booking touching ``day`` (Japan time) across rooms, with holders (staff only;
    audited by the caller)."""
    start = at(day, datetime.min.time())
    rows = await conn.fetch(DAY_BOOKINGS_SQL, start, start + timedelta(days=1), facility_id)
    return [{**{k: row[k] for k in DAY_FIELDS}, "start": iso(row["start"]),
             "end": iso(row["end"])} for row in rows]
