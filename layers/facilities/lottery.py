"""The monthly lottery (月例抽選), the Japanese municipal cycle:

1. staff open a round for the month two months ahead; the slots are every unit of every lottery
   room on the days it opens; the seed's SHA-256 is published at once (commit);
2. citizens with a verified address enter up to ``max_choices`` ranked choices, one entry per
   account and no two entries of one household on the same slot (database constraints);
3. after the window closes staff run the draw (``draw.draw``, deterministic from the seed) —
   winners hold their slot as ``won`` bookings, everyone is told by email;
4. staff reveal the seed; anyone can re-run the draw (``citygis lottery verify``);
5. winners confirm by ``confirm_by`` or their win lapses (housekeeping) and the slot goes to the
   waiting list, else to first-come, like every slot nobody won.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

import asyncpg

from gis_core.errors import ConflictError, NotFoundError, NotPermitted, RuleViolation
from layers.facilities import draw, notify, waitlist
from layers.facilities.booking import BookingNotFound, NotActive, booking_doc
from layers.facilities.ledger import iso, next_month
from layers.facilities.rooms import at, japan_day, load_rooms, utcnow
from layers.facilities.schemas import EntryIn, RoundIn

REMIND_BEFORE = timedelta(hours=48)
CLOSING_DAY, CONFIRM_DAY = 10, 20  # of the month the window is in
DEADLINE_TIME = time(17)


class RoundNotFound(NotFoundError):
    slug = "unknown-round"


class WindowClosed(ConflictError):
    slug = "window-closed"


class AlreadyDrawn(ConflictError):
    slug = "already-drawn"


def default_cycle(now: datetime) -> tuple[date, datetime, datetime, datetime]:
    """(the month two months ahead, opening now, closing on the 10th at 17:00 — or in a week
    when that has passed —, confirm by the 20th at 17:00 — or ten days after closing)."""
    this_month = japan_day(now).replace(day=1)
    month = next_month(next_month(this_month))
    closes = at(this_month.replace(day=CLOSING_DAY), DEADLINE_TIME)
    if closes < now + timedelta(days=1):
        closes = now + timedelta(days=7)
    confirm = at(this_month.replace(day=CONFIRM_DAY), DEADLINE_TIME)
    if confirm <= closes + timedelta(days=3):
        confirm = closes + timedelta(days=10)
    return month, now, closes, confirm


def _check_round(month: date, opens: datetime, closes: datetime, confirm: datetime,
                 now: datetime) -> None:
    if month.day != 1:
        raise RuleViolation("month must be YYYY-MM", "month")
    if closes <= now:
        raise RuleViolation("the window must close in the future (the seed is committed "
                            "before it closes)", "closes_at")
    if not opens < closes < confirm:
        raise RuleViolation("opens_at < closes_at < confirm_by, please", "confirm_by")
    if confirm >= at(month, time()):
        raise RuleViolation("winners must confirm before the month begins", "confirm_by")


async def create_round(conn: asyncpg.Connection, data: RoundIn, created_by: int | None,
                       now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    month, opens, closes, confirm = default_cycle(now)
    month, opens = data.month or month, data.opens_at or opens
    closes, confirm = data.closes_at or closes, data.confirm_by or confirm
    _check_round(month, opens, closes, confirm, now)
    seed = None if data.seed_commitment else secrets.token_bytes(32)
    commitment = data.seed_commitment or draw.commitment(seed or b"")
    async with conn.transaction():
        try:
            round_id = await conn.fetchval(
                "INSERT INTO lottery_round (month, opens_at, closes_at, confirm_by, max_choices, "
                "seed_commitment, seed, algorithm, created_by) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                month, opens, closes, confirm, data.max_choices, commitment, seed,
                draw.ALGORITHM, created_by)
        except asyncpg.UniqueViolationError:
            raise ConflictError(f"a round for {month:%Y-%m} exists already", "month") from None
        if await _make_slots(conn, round_id, month) == 0:
            raise RuleViolation(f"no lottery room opens in {month:%Y-%m}", "month")
        return await round_doc(conn, round_id)


async def _make_slots(conn: asyncpg.Connection, round_id: int, month: date) -> int:
    ids = [r["id"] for r in await conn.fetch("SELECT id FROM room WHERE lottery AND active")]
    rooms = await load_rooms(conn, ids)
    days = [month + timedelta(days=n) for n in range((next_month(month) - month).days)]
    records = [(round_id, room.id, asyncpg.Range(s.start, s.end))
               for room in rooms.values() for day in days for s in room.slots(day)]
    await conn.copy_records_to_table("lottery_slot", records=records,
                                     columns=["round_id", "room_id", "period"])
    return len(records)


ROUND_SQL = """
SELECT r.*, (SELECT count(*) FROM lottery_slot s WHERE s.round_id = r.id) AS slots,
       (SELECT count(*) FROM lottery_entry e WHERE e.round_id = r.id) AS entries
FROM lottery_round r
"""


def _round_json(row: asyncpg.Record) -> dict[str, Any]:
    revealed = row["revealed_at"] is not None
    return {
        "id": row["id"], "month": f"{row['month']:%Y-%m}", "status": row["status"],
        "opens_at": iso(row["opens_at"]), "closes_at": iso(row["closes_at"]),
        "confirm_by": iso(row["confirm_by"]), "max_choices": row["max_choices"],
        "algorithm": row["algorithm"], "seed_commitment": row["seed_commitment"],
        "seed": row["seed"].hex() if revealed else None,
        "entries_digest": row["entries_digest"], "drawn_at": iso(row["drawn_at"]),
        "revealed_at": iso(row["revealed_at"]), "slots": row["slots"],
        "entries": row["entries"],
        "weights": {"loser_bonus": draw.LOSER_BONUS, "loser_cap": draw.LOSER_CAP},
    }


async def round_doc(conn: asyncpg.Connection, round_id: int) -> dict[str, Any]:
    row = await conn.fetchrow(ROUND_SQL + " WHERE r.id = $1", round_id)
    if row is None:
        raise RoundNotFound(f"no lottery round {round_id}", "roundId")
    return _round_json(row)


async def rounds(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [_round_json(r) for r in await conn.fetch(ROUND_SQL + " ORDER BY r.month DESC")]


async def round_slots(conn: asyncpg.Connection, round_id: int) -> list[dict[str, Any]]:
    await round_doc(conn, round_id)
    rows = await conn.fetch(
        "SELECT s.id, s.room_id, r.name AS room_name, f.name AS facility_name, r.capacity, "
        "lower(s.period) AS start, upper(s.period) AS end, s.available FROM lottery_slot s "
        "JOIN room r ON r.id = s.room_id JOIN facility f ON f.id = r.facility_id "
        "WHERE s.round_id = $1 ORDER BY s.id", round_id)
    return [{**{k: row[k] for k in ("id", "room_id", "room_name", "facility_name", "capacity",
                                    "available")},
             "start": iso(row["start"]), "end": iso(row["end"])} for row in rows]


async def apply(conn: asyncpg.Connection, round_id: int, user_id: int, entry: EntryIn,
                now: datetime | None = None) -> dict[str, Any]:
    """Enter the round with ranked choices; the household dedupe is the database's."""
    now = now or utcnow()
    async with conn.transaction():
        row = await conn.fetchrow("SELECT * FROM lottery_round WHERE id = $1 FOR SHARE",
                                  round_id)
        if row is None:
            raise RoundNotFound(f"no lottery round {round_id}", "roundId")
        if row["status"] != "open" or not row["opens_at"] <= now < row["closes_at"]:
            raise WindowClosed(f"applications for {row['month']:%Y-%m} are taken "
                               f"{iso(row['opens_at'])} – {iso(row['closes_at'])}", "roundId")
        household = await _verified_household(conn, user_id)
        await _check_choices(conn, round_id, entry, row["max_choices"])
        entry_id, public_id = await _insert_entry(conn, round_id, user_id, household, entry)
        await _insert_choices(conn, round_id, entry_id, household, entry.choices)
        await notify.enqueue(conn, user_id, "applied", {
            "month": f"{row['month']:%Y-%m}", "entry": public_id,
            "choices": len(entry.choices)}, f"applied:{entry_id}")
    return (await user_entries(conn, user_id, entry_id))[0]


async def _verified_household(conn: asyncpg.Connection, user_id: int) -> str:
    profile = await conn.fetchrow(
        "SELECT household_key, verified FROM citizen_profile WHERE user_id = $1", user_id)
    if profile is None or not profile["verified"]:
        error = NotPermitted("the lottery needs your address verified by the city "
                             "(PUT /me/profile, then 本人確認 at a service counter)")
        error.slug = "address-not-verified"
        raise error
    return profile["household_key"]


async def _check_choices(conn: asyncpg.Connection, round_id: int, entry: EntryIn,
                         max_choices: int) -> None:
    if len(entry.choices) > max_choices:
        raise RuleViolation(f"at most {max_choices} choices", "choices")
    if len(set(entry.choices)) != len(entry.choices):
        raise RuleViolation("a slot appears twice in your choices", "choices")
    rows = await conn.fetch(
        "SELECT s.id, r.capacity FROM lottery_slot s JOIN room r ON r.id = s.room_id "
        "WHERE s.round_id = $1 AND s.id = ANY($2::integer[])", round_id, entry.choices)
    unknown = set(entry.choices) - {r["id"] for r in rows}
    if unknown:
        raise RuleViolation(f"not slots of this round: {sorted(unknown)}", "choices")
    if small := [r["id"] for r in rows if r["capacity"] < entry.party_size]:
        raise RuleViolation(f"slots {small} hold fewer than {entry.party_size}", "party_size")


async def _insert_entry(conn: asyncpg.Connection, round_id: int, user_id: int, household: str,
                        entry: EntryIn) -> tuple[int, str]:
    public_id = "E" + secrets.token_hex(5).upper()
    try:
        async with conn.transaction():
            entry_id = await conn.fetchval(
                "INSERT INTO lottery_entry (round_id, user_id, household_key, public_id, "
                "party_size, purpose) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                round_id, user_id, household, public_id, entry.party_size, entry.purpose)
    except asyncpg.UniqueViolationError:
        raise ConflictError("you have entered this round already", "roundId") from None
    return entry_id, public_id


async def _insert_choices(conn: asyncpg.Connection, round_id: int, entry_id: int,
                          household: str, choices: list[int]) -> None:
    try:
        async with conn.transaction():
            await conn.executemany(
                "INSERT INTO lottery_choice (entry_id, rank, slot_id, round_id, household_key) "
                "VALUES ($1, $2, $3, $4, $5)",
                [(entry_id, rank, slot, round_id, household)
                 for rank, slot in enumerate(choices, start=1)])
    except asyncpg.UniqueViolationError:
        error = ConflictError("someone of your household has entered for one of these slots "
                              "already: one entry per household per slot", "choices")
        error.slug = "household-duplicate"
        raise error from None


ENTRIES_SQL = """
SELECT e.id, e.round_id, e.public_id, to_char(r.month, 'YYYY-MM') AS month, r.status,
       e.party_size, e.purpose, e.created_at, array_agg(c.slot_id ORDER BY c.rank) AS choices,
       res.slot_id AS won_slot, res.rank AS won_rank, res.booking_id
FROM lottery_entry e JOIN lottery_round r ON r.id = e.round_id
JOIN lottery_choice c ON c.entry_id = e.id
LEFT JOIN lottery_result res ON res.entry_id = e.id
WHERE e.user_id = $1 AND ($2::integer IS NULL OR e.id = $2)
GROUP BY e.id, r.id, res.slot_id ORDER BY e.created_at DESC
"""


async def user_entries(conn: asyncpg.Connection, user_id: int,
                       entry_id: int | None = None) -> list[dict[str, Any]]:
    """The caller's applications and their outcome (won / lost / pending)."""
    rows = await conn.fetch(ENTRIES_SQL, user_id, entry_id)
    return [{
        **{k: row[k] for k in ("id", "round_id", "public_id", "month", "party_size", "purpose",
                               "won_slot", "won_rank", "booking_id")},
        "choices": list(row["choices"]), "created_at": iso(row["created_at"]),
        "outcome": "pending" if row["status"] == "open" else
                   ("won" if row["won_slot"] is not None else "lost"),
    } for row in rows]


async def confirm(conn: asyncpg.Connection, user_id: int, booking_id: int,
                  now: datetime | None = None) -> dict[str, Any]:
    """The winner takes the slot (当選確定) before the deadline."""
    now = now or utcnow()
    async with conn.transaction():
        row = await conn.fetchrow("SELECT status, confirm_by FROM booking WHERE id = $1 "
                                  "AND user_id = $2 FOR UPDATE", booking_id, user_id)
        if row is None:
            raise BookingNotFound(f"no booking {booking_id} of yours", "bookingId")
        if row["status"] != "won":
            raise NotActive(f"booking {booking_id} is {row['status']}, not a win to confirm",
                            "bookingId")
        if row["confirm_by"] <= now:
            raise NotActive(f"the deadline {iso(row['confirm_by'])} has passed", "bookingId")
        await conn.execute("UPDATE booking SET status = 'confirmed' WHERE id = $1", booking_id)
        return await booking_doc(conn, booking_id)


async def lapse_unconfirmed(conn: asyncpg.Connection, now: datetime | None = None) -> int:
    """Wins not confirmed in time lapse; their slots go to the waiting list, else first-come."""
    now = now or utcnow()
    # Looked up first: an UPDATE of no rows would still bump the free/busy layer's version.
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM booking WHERE status = 'won' "
                               "AND confirm_by <= $1)", now):
        return 0
    async with conn.transaction():
        rows = await conn.fetch(
            "UPDATE booking SET status = 'lapsed' WHERE status = 'won' AND confirm_by <= $1 "
            "RETURNING id, room_id, lower(period) AS start, upper(period) AS end", now)
        await notify.enqueue_bookings(conn, [r["id"] for r in rows], "lapsed")
        for row in rows:
            await waitlist.promote(conn, row["room_id"], row["start"], row["end"], now)
    return len(rows)


async def send_reminders(conn: asyncpg.Connection, now: datetime | None = None) -> None:
    """One confirm-by reminder per win whose deadline is within ``REMIND_BEFORE``."""
    now = now or utcnow()
    ids = await conn.fetch("SELECT id FROM booking WHERE status = 'won' AND confirm_by > $1 "
                           "AND confirm_by <= $2", now, now + REMIND_BEFORE)
    if ids:
        await notify.enqueue_bookings(conn, [r["id"] for r in ids], "confirm_reminder",
                                      "reminder")

