"""Availability search (空き状況検索) and a room's calendar. Free and busy only: who holds a
booking is never part of either (the caller's own bookings are marked ``mine``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg

from gis_core.errors import RuleViolation
from gis_core.measure import distance_m_sql
from layers.facilities.ledger import (
    ACTIVE,
    LotteryMonth,
    first_come_refusal,
    iso,
    month_of,
    round_statuses,
)
from layers.facilities.rooms import (
    KINDS_JA,
    Room,
    Slot,
    at,
    holiday_name,
    japan_day,
    load_room,
    load_rooms,
    utcnow,
)

MAX_SEARCH_SPAN = timedelta(days=31)
MAX_CALENDAR_DAYS = 62
WEEKDAYS_JA = "月火水木金土日"

CANDIDATES_SQL = f"""
SELECT r.id, f.id AS facility_id, ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat,
       CASE WHEN $3::float8 IS NULL THEN NULL
            ELSE {distance_m_sql("f.geom", "ST_Point($3, $4, 4326)")} END AS distance_m
FROM room r JOIN facility f ON f.id = r.facility_id
WHERE r.active AND ($1::text IS NULL OR r.kind = $1) AND ($2::integer IS NULL OR r.capacity >= $2)
  AND ($3::float8 IS NULL
       OR ST_DWithin(f.geom::geography, ST_Point($3, $4, 4326)::geography, $5))
  AND ($6::text IS NULL OR ST_Intersects(f.geom, ST_SetSRID(ST_GeomFromGeoJSON($6), 4326)))
ORDER BY distance_m NULLS LAST, f.name, r.name
"""


async def _busy(conn: asyncpg.Connection, room_ids: list[int], start: datetime,
                end: datetime) -> dict[int, list[asyncpg.Record]]:
    rows = await conn.fetch(
        "SELECT room_id, lower(period) AS start, upper(period) AS end, status, user_id "
        "FROM booking WHERE room_id = ANY($1::integer[]) AND status = ANY($4::text[]) "
        "AND period && tstzrange($2, $3)", room_ids, start, end, list(ACTIVE))
    busy: dict[int, list[asyncpg.Record]] = {}
    for row in rows:
        busy.setdefault(row["room_id"], []).append(row)
    return busy


def _holder(slot: Slot, busy: Iterable[asyncpg.Record]) -> asyncpg.Record | None:
    return next((b for b in busy if b["start"] < slot.end and slot.start < b["end"]), None)


def _months(start: datetime, end: datetime) -> list[date]:
    months, month = [], month_of(japan_day(start))
    while month <= japan_day(end):
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


async def search(conn: asyncpg.Connection, start: datetime, end: datetime, *,
                 kind: str | None = None, capacity: int | None = None,
                 near: tuple[float, float, float] | None = None, area: str | None = None,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    """Rooms with at least one unit free for first-come booking in [start, end), nearest first
    when ``near`` (lon, lat, radius m) is given; ``area`` is a GeoJSON geometry (a 町丁目)."""
    now = now or utcnow()
    if end <= start:
        raise RuleViolation("end must be after start", "end")
    if end - start > MAX_SEARCH_SPAN:
        raise RuleViolation(f"search at most {MAX_SEARCH_SPAN.days} days at once", "end")
    lon, lat, radius = near or (None, None, None)
    rows = await conn.fetch(CANDIDATES_SQL, kind, capacity, lon, lat, radius, area)
    rooms = await load_rooms(conn, [r["id"] for r in rows])
    busy = await _busy(conn, list(rooms), start, end)
    statuses = await round_statuses(conn, _months(start, end))
    found = []
    for row in rows:
        room = rooms[row["id"]]
        free = [s for s in room.slots_between(max(start, now), end)
                if _holder(s, busy.get(room.id, ())) is None
                and first_come_refusal(room, s.start, now, statuses.get(month_of(
                    japan_day(s.start)))) is None]
        if free:
            found.append(_result(room, row, free))
    return found


def _result(room: Room, row: asyncpg.Record, free: list[Slot]) -> dict[str, Any]:
    distance = row["distance_m"]
    return {
        "room_id": room.id, "room_name": room.name, "kind": room.kind,
        "kind_ja": KINDS_JA.get(room.kind, room.kind), "capacity": room.capacity,
        "fee_yen": room.fee_yen, "equipment": list(room.equipment), "lottery": room.lottery,
        "facility_id": room.facility_id, "facility_name": room.facility_name,
        "lon": row["lon"], "lat": row["lat"],
        "distance_m": round(distance, 1) if distance is not None else None,
        "free_count": len(free),
        "free": [{"label": s.label, "start": iso(s.start), "end": iso(s.end)} for s in free],
    }


async def calendar(conn: asyncpg.Connection, room_id: int, first: date, last: date,
                   viewer: int | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Each day's units and their state: free, booked, mine (the viewer's), suspended, lottery
    (allocated by the monthly lottery), not_yet_open, past — and why a day is closed."""
    now = now or utcnow()
    if last < first:
        raise RuleViolation("end must not be before start", "end")
    if (last - first).days >= MAX_CALENDAR_DAYS:
        raise RuleViolation(f"at most {MAX_CALENDAR_DAYS} days at once", "end")
    room = await load_room(conn, room_id, "roomId")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    window = (at(first, time()), at(last + timedelta(days=1), time()))
    busy = (await _busy(conn, [room.id], *window)).get(room.id, [])
    statuses = await round_statuses(conn, sorted({month_of(d) for d in days}))
    return {"room": {"id": room.id, "name": room.name, "facility_id": room.facility_id,
                     "facility_name": room.facility_name, "lottery": room.lottery},
            "days": [_day(room, day, busy, statuses, viewer, now) for day in days]}


def _day(room: Room, day: date, busy: list[asyncpg.Record], statuses: dict[date, str],
         viewer: int | None, now: datetime) -> dict[str, Any]:
    status = statuses.get(month_of(day))
    units = [{"label": s.label, "start": iso(s.start), "end": iso(s.end),
              "state": _state(room, s, busy, status, viewer, now)} for s in room.slots(day)]
    return {"date": day.isoformat(), "weekday_ja": WEEKDAYS_JA[day.weekday()],
            "holiday": holiday_name(day), "closed": room.closed_reason(day), "units": units}


def _state(room: Room, slot: Slot, busy: list[asyncpg.Record], round_status: str | None,
           viewer: int | None, now: datetime) -> str:
    if slot.start <= now:
        return "past"
    holder = _holder(slot, busy)
    if holder is not None:
        if holder["status"] == "blocked":
            return "suspended"
        return "mine" if viewer is not None and holder["user_id"] == viewer else "booked"
    refusal = first_come_refusal(room, slot.start, now, round_status)
    if refusal is None:
        return "free"
    return "lottery" if isinstance(refusal, LotteryMonth) else "not_yet_open"
