"""The booking table's writes that every path shares (first-come, waiting list, lottery):
inserts the database guards against overlaps, and the limits counted on it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import asyncpg

from gis_core.errors import ConflictError, RuleViolation
from layers.facilities.rooms import JAPAN, Room, japan_day

ACTIVE = ("confirmed", "won", "blocked")  # the states that hold their time (booking_no_overlap)
MAX_ACTIVE = 4
FIRST_COME_HORIZON = timedelta(days=92)
PERSON_LOCK = 7201  # pg_advisory_xact_lock(PERSON_LOCK, user_id): one person's bookings in turn


class SlotTaken(ConflictError):
    slug = "slot-taken"


class LotteryMonth(ConflictError):
    slug = "lottery-month"


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def first_come_refusal(room: Room, start: datetime, now: datetime,
                       round_status: str | None) -> ConflictError | RuleViolation | None:
    """Why first-come is closed for ``start``, or None. It opens ``FIRST_COME_HORIZON`` ahead;
    for lottery rooms a month is first-come only once its lottery is drawn (the leftovers), or
    when no lottery is held for it and it is at most next month. ``round_status`` is that of the
    lottery round of ``start``'s month, if any."""
    if not room.lottery:
        if start > now + FIRST_COME_HORIZON:
            return RuleViolation(f"first-come bookings open {FIRST_COME_HORIZON.days} days "
                                 "ahead", "start")
        return None
    month = month_of(japan_day(start))
    if round_status == "drawn":
        return None
    if round_status == "open" or month > next_month(month_of(japan_day(now))):
        return LotteryMonth(f"{room.name} is allocated by lottery for {month:%Y-%m}; leftover "
                            "slots open first-come after the draw", "start")
    return None


async def round_statuses(conn: asyncpg.Connection, months: list[date]) -> dict[date, str]:
    rows = await conn.fetch("SELECT month, status FROM lottery_round "
                            "WHERE month = ANY($1::date[])", months)
    return {r["month"]: r["status"] for r in rows}


async def check_first_come(conn: asyncpg.Connection, room: Room, start: datetime,
                           now: datetime) -> None:
    month = month_of(japan_day(start))
    status = (await round_statuses(conn, [month])).get(month) if room.lottery else None
    if refusal := first_come_refusal(room, start, now, status):
        raise refusal


async def lock_person(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", PERSON_LOCK, user_id)


async def active_count(conn: asyncpg.Connection, user_id: int, now: datetime) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM booking WHERE user_id = $1 AND status IN ('confirmed', 'won') "
        "AND upper(period) > $2", user_id, now)


INSERT_SQL = """
INSERT INTO booking (room_id, user_id, period, status, source, party_size, purpose, confirm_by,
                     lottery_entry_id)
VALUES ($1, $2, tstzrange($3, $4), $5, $6, $7, $8, $9, $10) RETURNING id
"""


async def insert_booking(conn: asyncpg.Connection, room_id: int, user_id: int, start: datetime,
                         end: datetime, party_size: int, purpose: str | None,
                         source: str = "first_come") -> int:
    """Insert a confirmed booking in a savepoint; ``SlotTaken`` when the database refuses the
    overlap (the caller's transaction carries on)."""
    try:
        async with conn.transaction():
            return await conn.fetchval(INSERT_SQL, room_id, user_id, start, end, "confirmed",
                                       source, party_size, purpose, None, None)
    except asyncpg.ExclusionViolationError:
        raise await slot_taken(conn, room_id, start, end, user_id) from None


async def slot_taken(conn: asyncpg.Connection, room_id: int, start: datetime, end: datetime,
                     user_id: int | None) -> SlotTaken:
    mine = await conn.fetchval(
        "SELECT id FROM booking WHERE room_id = $1 AND user_id = $2 AND status IN "
        "('confirmed', 'won') AND period && tstzrange($3, $4) LIMIT 1",
        room_id, user_id, start, end)
    if mine is not None:
        return SlotTaken(f"you hold booking {mine} at that time already (submitted twice?)",
                         "start")
    return SlotTaken("that time of the room is booked already; join the waiting list to be "
                     "booked if it frees up", "start")


def iso(value: datetime | None) -> str | None:
    return value.astimezone(JAPAN).isoformat() if value is not None else None
