"""First-come bookings (先着順予約): book, change, cancel, and the per-person limits.

The database keeps bookings from overlapping (``booking_no_overlap``, an exclusion constraint
on room and time range over the active states): two requests for one slot race in PostgreSQL,
one commits, the other gets an exclusion violation, here a ``SlotTaken``. Python checks only
the calendar rules and the limits.

Limits and anti-gaming rules (per person, 1 account):
- at most ``MAX_ACTIVE`` future bookings (confirmed or lottery wins awaiting confirmation);
- after ``MAX_CANCELLATIONS`` cancellations within ``CANCELLATION_WINDOW``, no new first-come
  booking until the oldest of them leaves the window;
- a slot you (or your household) cancelled cannot be booked again by you (or them) for
  ``REBOOK_COOLDOWN``: a won slot cannot be passed on by cancelling and rebooking at once; it
  goes to the waiting list first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from gis_core.errors import ConflictError, LimitReached, NotFoundError, RuleViolation
from layers.facilities import notify, waitlist
from layers.facilities.ledger import (
    MAX_ACTIVE,
    SlotTaken,
    active_count,
    check_first_come,
    insert_booking,
    iso,
    lock_person,
)
from layers.facilities.rooms import (
    JAPAN,
    check_request,
    load_room,
    utcnow,
)
from layers.facilities.schemas import BookingChange, BookingIn

MAX_CANCELLATIONS = 3
CANCELLATION_WINDOW = timedelta(days=30)
REBOOK_COOLDOWN = timedelta(days=7)


class BookingNotFound(NotFoundError):
    slug = "unknown-booking"


class NotActive(ConflictError):
    slug = "booking-not-active"


async def household_of(conn: asyncpg.Connection, user_id: int) -> list[int]:
    """The accounts at the user's verified address (the user alone without one)."""
    rows = await conn.fetch(
        "SELECT p.user_id FROM citizen_profile p JOIN citizen_profile me "
        "ON me.household_key = p.household_key AND me.user_id = $1 AND me.verified "
        "WHERE p.verified", user_id)
    return sorted({user_id, *(r["user_id"] for r in rows)})


async def check_limits(conn: asyncpg.Connection, user_id: int, room_id: int, start: datetime,
                       end: datetime, now: datetime) -> None:
    held = await active_count(conn, user_id, now)
    if held >= MAX_ACTIVE:
        raise LimitReached(f"you hold {held} bookings; at most {MAX_ACTIVE} at a time")
    cancelled = await conn.fetch(
        "SELECT cancelled_at FROM booking WHERE user_id = $1 AND status = 'cancelled' "
        "AND cancelled_at > $2 ORDER BY cancelled_at", user_id, now - CANCELLATION_WINDOW)
    if len(cancelled) >= MAX_CANCELLATIONS:
        until = cancelled[-MAX_CANCELLATIONS]["cancelled_at"] + CANCELLATION_WINDOW
        raise LimitReached(f"{len(cancelled)} cancellations in {CANCELLATION_WINDOW.days} days: "
                           f"new bookings again from {until.astimezone(JAPAN):%Y-%m-%d %H:%M}")
    again = await conn.fetchval(
        "SELECT max(cancelled_at) FROM booking WHERE user_id = ANY($1::integer[]) "
        "AND room_id = $2 AND status = 'cancelled' AND cancelled_at > $3 "
        "AND period && tstzrange($4, $5)",
        await household_of(conn, user_id), room_id, now - REBOOK_COOLDOWN, start, end)
    if again is not None:
        raise LimitReached(f"your household cancelled this slot on "
                           f"{again.astimezone(JAPAN):%Y-%m-%d}; it may be booked again by you "
                           f"after {REBOOK_COOLDOWN.days} days", "start")


async def book(conn: asyncpg.Connection, user_id: int, request: BookingIn,
               now: datetime | None = None) -> dict[str, Any]:
    """A first-come booking, confirmed at once, and its notification."""
    now = now or utcnow()
    async with conn.transaction():
        room = await load_room(conn, request.room_id)
        check_request(room, request.start, request.end, request.party_size, now)
        await check_first_come(conn, room, request.start, now)
        await lock_person(conn, user_id)
        await check_limits(conn, user_id, room.id, request.start, request.end, now)
        booking_id = await insert_booking(conn, room.id, user_id, request.start, request.end,
                                          request.party_size, request.purpose)
        await notify.enqueue_bookings(conn, [booking_id], "booked")
        return await booking_doc(conn, booking_id)


async def _held(conn: asyncpg.Connection, booking_id: int, user_id: int | None) -> asyncpg.Record:
    """The booking, locked; ``user_id`` None is staff acting on anyone's booking."""
    row = await conn.fetchrow(
        "SELECT id, room_id, user_id, status, source, party_size, lower(period) AS start, "
        "upper(period) AS end, confirm_by FROM booking WHERE id = $1 AND user_id IS NOT NULL "
        "AND ($2::integer IS NULL OR user_id = $2) FOR UPDATE", booking_id, user_id)
    if row is None:
        raise BookingNotFound(f"no booking {booking_id} of yours", "bookingId")
    return row


async def cancel(conn: asyncpg.Connection, user_id: int | None, booking_id: int,
                 now: datetime | None = None) -> dict[str, Any]:
    """Cancel before the start; the freed time goes to the waiting list at once."""
    now = now or utcnow()
    async with conn.transaction():
        row = await _held(conn, booking_id, user_id)
        if row["status"] not in ("confirmed", "won"):
            raise NotActive(f"booking {booking_id} is {row['status']}", "bookingId")
        if row["start"] <= now:
            raise RuleViolation("the booking has started; it can no longer be cancelled",
                                "bookingId")
        await conn.execute("UPDATE booking SET status = 'cancelled', cancelled_at = $2 "
                           "WHERE id = $1", booking_id, now)
        await notify.enqueue_bookings(conn, [booking_id], "cancelled")
        await waitlist.promote(conn, row["room_id"], row["start"], row["end"], now)
        return await booking_doc(conn, booking_id)


async def change(conn: asyncpg.Connection, user_id: int, booking_id: int, change: BookingChange,
                 now: datetime | None = None) -> dict[str, Any]:
    """Move a first-come booking within its room (or change the party size) in one step: the
    new time is checked by the same constraint; the old time goes to the waiting list."""
    now = now or utcnow()
    async with conn.transaction():
        row = await _held(conn, booking_id, user_id)
        if row["status"] != "confirmed" or row["source"] == "lottery":
            raise NotActive("only confirmed first-come bookings can be changed; cancel a "
                            "lottery booking instead", "bookingId")
        if row["start"] <= now:
            raise RuleViolation("the booking has started; it can no longer be changed",
                                "bookingId")
        start, end = change.start or row["start"], change.end or row["end"]
        party_size = change.party_size or row["party_size"]
        room = await load_room(conn, row["room_id"])
        check_request(room, start, end, party_size, now)
        await check_first_come(conn, room, start, now)
        await _move(conn, row, start, end, party_size)
        stamp = int(now.timestamp() * 1000)
        await notify.enqueue_bookings(conn, [booking_id], "changed", f"changed-{stamp}")
        await waitlist.promote(conn, row["room_id"], row["start"], row["end"], now)
        return await booking_doc(conn, booking_id)


async def _move(conn: asyncpg.Connection, row: asyncpg.Record, start: datetime, end: datetime,
                party_size: int) -> None:
    try:
        async with conn.transaction():
            await conn.execute("UPDATE booking SET period = tstzrange($2, $3), party_size = $4 "
                               "WHERE id = $1", row["id"], start, end, party_size)
    except asyncpg.ExclusionViolationError:
        raise SlotTaken("the new time of the room is booked already", "start") from None


BOOKING_DOC_SQL = """
SELECT b.id, b.room_id, r.name AS room_name, r.facility_id, f.name AS facility_name,
       lower(b.period) AS start, upper(b.period) AS end, b.status, b.source, b.party_size,
       b.purpose, b.confirm_by, b.created_at, b.cancelled_at, b.user_id
FROM booking b JOIN room r ON r.id = b.room_id JOIN facility f ON f.id = r.facility_id
"""


def booking_json(row: asyncpg.Record) -> dict[str, Any]:
    """A booking for its holder (or staff); other citizens never see one."""
    doc = {k: row[k] for k in ("id", "room_id", "room_name", "facility_id", "facility_name",
                               "status", "source", "party_size", "purpose")}
    for key in ("start", "end", "confirm_by", "created_at", "cancelled_at"):
        doc[key] = iso(row[key])
    return doc


async def booking_doc(conn: asyncpg.Connection, booking_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(BOOKING_DOC_SQL + " WHERE b.id = $1", booking_id)
    return booking_json(row)


async def find_booking(conn: asyncpg.Connection, booking_id: int,
                       user_id: int | None) -> dict[str, Any]:
    """A booking of ``user_id`` (None: staff, anyone's, with the holder)."""
    row = await conn.fetchrow(
        BOOKING_DOC_SQL + " WHERE b.id = $1 AND ($2::integer IS NULL OR b.user_id = $2)",
        booking_id, user_id)
    if row is None:
        raise BookingNotFound(f"no booking {booking_id} of yours", "bookingId")
    doc = booking_json(row)
    if user_id is None:
        doc["holder_user_id"] = row["user_id"]
    return doc


async def user_bookings(conn: asyncpg.Connection, user_id: int, now: datetime | None = None,
                        past: bool = False) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        BOOKING_DOC_SQL + " WHERE b.user_id = $1 AND ($3 OR upper(b.period) > $2) "
        "ORDER BY lower(b.period), b.id", user_id, now or utcnow(), past)
    return [booking_json(r) for r in rows]
