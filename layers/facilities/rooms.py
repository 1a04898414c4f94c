"""Rooms and courts (部屋・コート) and the calendar rules that say when each can be booked:
booking units (午前/午後/夜間 or hourly), opening hours per weekday, closed days, and
Japanese public holidays (祝日, from the maintained ``holidays`` package).

Times of day are Japan time (Asia/Tokyo); instants are timezone-aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import holidays

from gis_core.errors import NotFoundError, RuleViolation

JAPAN = ZoneInfo("Asia/Tokyo")
KINDS_JA = {
    "meeting_room": "集会室・会議室", "japanese_room": "和室", "hall": "ホール",
    "gym": "体育館", "court": "コート", "field": "グラウンド", "studio": "練習室",
    "cooking_room": "調理室",
}


class RoomNotFound(NotFoundError):
    slug = "unknown-room"


def utcnow() -> datetime:
    return datetime.now(UTC)


def japan_day(instant: datetime) -> date:
    return instant.astimezone(JAPAN).date()


def at(day: date, clock: time) -> datetime:
    """The instant of ``clock`` (Japan time) on ``day``."""
    return datetime.combine(day, clock, tzinfo=JAPAN)


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year, language="ja")


def holiday_name(day: date) -> str | None:
    """The name of the public holiday (国民の祝日・振替休日) on ``day``, if it is one."""
    return _holidays(day.year).get(day)


def holidays_of(years: range) -> dict[date, str]:
    return {day: name for year in years for day, name in _holidays(year).items()}


@dataclass(frozen=True)
class Unit:
    """A booking unit (利用区分): 午前 09:00–12:00, or one hour."""

    label: str
    starts: time
    ends: time


@dataclass(frozen=True)
class Slot:
    """One unit on one day."""

    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Room:
    id: int
    facility_id: int
    facility_name: str
    name: str
    kind: str
    capacity: int
    fee_yen: int
    lottery: bool
    closed_on_holidays: bool
    active: bool
    equipment: tuple[str, ...] = ()
    units: tuple[Unit, ...] = ()
    hours: dict[int, tuple[time, time]] = field(default_factory=dict)  # ISO weekday →
    closures: dict[date, str] = field(default_factory=dict)

    def closed_reason(self, day: date) -> str | None:
        """Why the room is closed on ``day`` (休館日), or None when it opens."""
        if day in self.closures:
            return self.closures[day]
        if self.closed_on_holidays and (name := holiday_name(day)):
            return f"祝日休館（{name}）"
        if day.isoweekday() not in self.hours:
            return "定休日"
        return None

    def slots(self, day: date) -> list[Slot]:
        """The units bookable on ``day``: inside that weekday's opening hours, none if closed."""
        if self.closed_reason(day):
            return []
        opens, closes = self.hours[day.isoweekday()]
        return [Slot(u.label, at(day, u.starts), at(day, u.ends)) for u in self.units
                if opens <= u.starts and u.ends <= closes]

    def slots_between(self, start: datetime, end: datetime) -> Iterator[Slot]:
        day, last = japan_day(start), japan_day(end)
        while day <= last:
            yield from (s for s in self.slots(day) if start <= s.start and s.end <= end)
            day += timedelta(days=1)


def check_request(room: Room, start: datetime, end: datetime, party_size: int,
                  now: datetime) -> None:
    """Refuse, naming the field, a request the room's calendar does not allow."""
    if not room.active:
        raise RoomNotFound(f"room {room.id} is not open for booking", "room_id")
    if end <= start:
        raise RuleViolation("end must be after start", "end")
    if start <= now:
        raise RuleViolation("start is in the past", "start")
    day = japan_day(start)
    if japan_day(end - timedelta(microseconds=1)) != day:
        raise RuleViolation("a booking starts and ends on the same day (Japan time)", "end")
    if reason := room.closed_reason(day):
        raise RuleViolation(f"{room.name} is closed on {day.isoformat()}: {reason}", "start")
    _check_units(room, day, start, end)
    if party_size > room.capacity:
        raise RuleViolation(f"{room.name} holds {room.capacity} people, not {party_size}",
                            "party_size")


def _check_units(room: Room, day: date, start: datetime, end: datetime) -> None:
    opens, closes = room.hours[day.isoweekday()]
    if not (at(day, opens) <= start and end <= at(day, closes)):
        raise RuleViolation(f"{room.name} opens {opens:%H:%M}–{closes:%H:%M} that day",
                            "start" if start < at(day, opens) else "end")
    slots = room.slots(day)
    starts = [s.start for s in slots]
    ends = [s.end for s in slots]
    if start not in starts:
        labels = ", ".join(f"{s.label} {s.start:%H:%M}" for s in slots)
        raise RuleViolation(f"start must be the start of a booking unit ({labels})", "start")
    if end not in ends:
        labels = ", ".join(f"{s.label} {s.end:%H:%M}" for s in slots)
        raise RuleViolation(f"end must be the end of a booking unit ({labels})", "end")


ROOM_SQL = """
SELECT r.id, r.facility_id, f.name AS facility_name, r.name, r.kind, r.capacity, r.fee_yen,
       r.lottery, r.closed_on_holidays, r.active, r.equipment
FROM room r JOIN facility f ON f.id = r.facility_id
WHERE r.id = ANY($1::integer[])
"""


async def load_rooms(conn: asyncpg.Connection, room_ids: list[int]) -> dict[int, Room]:
    """Rooms with their units, hours and closures from today on (four queries in all)."""
    rows = await conn.fetch(ROOM_SQL, room_ids)
    units = await conn.fetch("SELECT room_id, label, starts, ends FROM room_unit "
                             "WHERE room_id = ANY($1::integer[]) ORDER BY starts", room_ids)
    hours = await conn.fetch("SELECT room_id, weekday, opens, closes FROM room_hours "
                             "WHERE room_id = ANY($1::integer[])", room_ids)
    closures = await conn.fetch(
        "SELECT room_id, day, reason FROM room_closure WHERE room_id = ANY($1::integer[]) "
        "AND day >= (now() AT TIME ZONE 'Asia/Tokyo')::date - 1", room_ids)
    return {row["id"]: _room(row, units, hours, closures) for row in rows}


def _room(row: asyncpg.Record, units: list[asyncpg.Record], hours: list[asyncpg.Record],
          closures: list[asyncpg.Record]) -> Room:
    mine = row["id"]
    return Room(
        **{k: row[k] for k in ("id", "facility_id", "facility_name", "name", "kind", "capacity",
                               "fee_yen", "lottery", "closed_on_holidays", "active")},
        equipment=tuple(row["equipment"]),
        units=tuple(Unit(u["label"], u["starts"], u["ends"]) for u in units
                    if u["room_id"] == mine),
        hours={h["weekday"]: (h["opens"], h["closes"]) for h in hours if h["room_id"] == mine},
        closures={c["day"]: c["reason"] for c in closures if c["room_id"] == mine},
    )


async def load_room(conn: asyncpg.Connection, room_id: int, field_name: str = "room_id") -> Room:
    found = (await load_rooms(conn, [room_id])).get(room_id)
    if found is None:
        raise RoomNotFound(f"no room {room_id}", field_name)
    return found


def room_doc(room: Room) -> dict[str, Any]:
    """A room as the API shows it (no bookings, no people)."""
    return {
        "id": room.id, "facility_id": room.facility_id, "facility_name": room.facility_name,
        "name": room.name, "kind": room.kind, "kind_ja": KINDS_JA.get(room.kind, room.kind),
        "capacity": room.capacity, "fee_yen": room.fee_yen, "equipment": list(room.equipment),
        "lottery": room.lottery, "closed_on_holidays": room.closed_on_holidays,
        "active": room.active,
        "units": [{"label": u.label, "starts": f"{u.starts:%H:%M}", "ends": f"{u.ends:%H:%M}"}
                  for u in room.units],
        "hours": {str(d): {"opens": f"{o:%H:%M}", "closes": f"{c:%H:%M}"}
                  for d, (o, c) in sorted(room.hours.items())},
        "closures": [{"day": d.isoformat(), "reason": r} for d, r in sorted(room.closures.items())],
    }


async def sync_holidays(conn: asyncpg.Connection, years: range) -> int:
    """Copy the holidays of ``years`` into ``public_holiday`` (read by the free/busy view);
    writes nothing when they are there already."""
    wanted = holidays_of(years)
    have = {r["day"]: r["name"] for r in await conn.fetch(
        "SELECT day, name FROM public_holiday WHERE day = ANY($1::date[])", list(wanted))}
    missing = [(d, n) for d, n in wanted.items() if have.get(d) != n]
    if missing:
        await conn.executemany(
            "INSERT INTO public_holiday (day, name) VALUES ($1, $2) "
            "ON CONFLICT (day) DO UPDATE SET name = EXCLUDED.name", missing)
    return len(missing)


async def room_docs(conn: asyncpg.Connection, ids: list[int]) -> list[dict[str, Any]]:
    """The rooms of ``ids`` as documents, in that order."""
    rooms = await load_rooms(conn, ids)
    return [room_doc(rooms[i]) for i in ids]
