"""Running a round's draw, revealing its seed, and the published result anyone can verify.

The draw holds a SHARE ROW EXCLUSIVE lock on ``booking`` while it runs (a few seconds for
100,000 entries): no booking can change between the moment slots are marked available and the
moment the winners' bookings are written. Its commit makes the round one whose results are to
be announced; the won/lost emails are queued right after, outside the draw's transaction
(``notify.announce_lottery_results``), so a draw never waits for 100,000 messages.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from gis_core.errors import ConflictError, RuleViolation
from layers.facilities import draw
from layers.facilities.ledger import ACTIVE, iso
from layers.facilities.lottery import AlreadyDrawn, RoundNotFound, round_doc
from layers.facilities.rooms import utcnow

PRIOR_LOSSES_SQL = """
WITH mine AS (SELECT DISTINCT household_key FROM lottery_entry WHERE round_id = $1),
history AS (
    SELECT e.household_key, r.month, bool_or(res.entry_id IS NOT NULL) AS won
    FROM lottery_entry e JOIN mine USING (household_key)
    JOIN lottery_round r ON r.id = e.round_id AND r.status = 'drawn' AND r.month < $2
    LEFT JOIN lottery_result res ON res.entry_id = e.id
    GROUP BY e.household_key, r.month
),
streak AS (
    SELECT household_key, coalesce(min(n) FILTER (WHERE won) - 1, count(*)) AS losses
    FROM (SELECT household_key, won,
                 row_number() OVER (PARTITION BY household_key ORDER BY month DESC) AS n
          FROM history) h
    GROUP BY household_key
)
UPDATE lottery_entry e SET prior_losses = s.losses
FROM streak s
WHERE e.round_id = $1 AND e.household_key = s.household_key AND s.losses > 0
"""

AVAILABLE_SQL = """
UPDATE lottery_slot s SET available = NOT EXISTS (
    SELECT 1 FROM booking b WHERE b.room_id = s.room_id AND b.status = ANY($2::text[])
    AND b.period && s.period)
WHERE s.round_id = $1
"""

ENTRIES_SQL = """
SELECT e.public_id, e.prior_losses, array_agg(c.slot_id ORDER BY c.rank) AS choices
FROM lottery_entry e JOIN lottery_choice c ON c.entry_id = e.id
WHERE e.round_id = $1 GROUP BY e.id ORDER BY e.public_id
"""

RECORD_WINS_SQL = """
WITH w AS (SELECT * FROM unnest($1::integer[], $2::text[], $3::smallint[])
           AS w(slot_id, public_id, rank)),
won AS (
    INSERT INTO booking (room_id, user_id, period, status, source, party_size, purpose,
                         confirm_by, lottery_entry_id)
    SELECT s.room_id, e.user_id, s.period, 'won', 'lottery', e.party_size, e.purpose, $4, e.id
    FROM w JOIN lottery_slot s ON s.id = w.slot_id
    JOIN lottery_entry e ON e.public_id = w.public_id AND e.round_id = $5
    RETURNING id, lottery_entry_id
)
INSERT INTO lottery_result (slot_id, round_id, entry_id, rank, booking_id)
SELECT w.slot_id, $5, won.lottery_entry_id, w.rank, won.id
FROM won JOIN lottery_entry e ON e.id = won.lottery_entry_id
JOIN w ON w.public_id = e.public_id
"""

def _seed(row: asyncpg.Record, given: str | None) -> bytes:
    """The round's seed: the one the server kept, or the one staff bring, checked against the
    commitment published when the round opened."""
    if given is None:
        if row["seed"] is None:
            raise RuleViolation("this round's seed was kept offline: send it as seed", "seed")
        return bytes(row["seed"])
    seed = bytes.fromhex(given)
    if draw.commitment(seed) != row["seed_commitment"]:
        raise RuleViolation("SHA-256 of this seed is not the round's commitment", "seed")
    return seed


async def run_draw(conn: asyncpg.Connection, round_id: int, seed_hex: str | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    async with conn.transaction():
        row = await conn.fetchrow("SELECT * FROM lottery_round WHERE id = $1 FOR UPDATE",
                                  round_id)
        if row is None:
            raise RoundNotFound(f"no lottery round {round_id}", "roundId")
        if row["status"] != "open":
            raise AlreadyDrawn(f"round {round_id} is drawn already", "roundId")
        if now < row["closes_at"]:
            raise ConflictError("applications are still open; draw after they close",
                                "roundId")
        seed = _seed(row, seed_hex)
        await conn.execute("LOCK TABLE booking IN SHARE ROW EXCLUSIVE MODE")
        entries, available = await _inputs(conn, round_id, row["month"])
        wins = draw.draw(seed, round_id, entries, available)
        await _record(conn, row, wins)
        await conn.execute(
            "UPDATE lottery_round SET status = 'drawn', drawn_at = $2, seed = $3, "
            "entries_digest = $4 WHERE id = $1",
            round_id, now, seed, draw.entries_digest(entries))
        return {**await round_doc(conn, round_id), "winners": len(wins),
                "available_slots": len(available)}


async def _inputs(conn: asyncpg.Connection, round_id: int,
                  month: date) -> tuple[list[draw.Entry], list[int]]:
    await conn.execute(PRIOR_LOSSES_SQL, round_id, month)
    await conn.execute(AVAILABLE_SQL, round_id, list(ACTIVE))
    rows = await conn.fetch(ENTRIES_SQL, round_id)
    entries = [draw.Entry(r["public_id"], tuple(r["choices"]), r["prior_losses"]) for r in rows]
    available = [r["id"] for r in await conn.fetch(
        "SELECT id FROM lottery_slot WHERE round_id = $1 AND available", round_id)]
    return entries, available


async def _record(conn: asyncpg.Connection, row: asyncpg.Record, wins: list[draw.Win]) -> None:
    await conn.execute(RECORD_WINS_SQL, [w.slot for w in wins], [w.entry for w in wins],
                       [w.rank for w in wins], row["confirm_by"], row["id"])


async def reveal(conn: asyncpg.Connection, round_id: int,
                 now: datetime | None = None) -> dict[str, Any]:
    """Publish the seed of a drawn round: from now on anyone can verify it."""
    status = await conn.fetchval(
        "UPDATE lottery_round SET revealed_at = coalesce(revealed_at, $2) "
        "WHERE id = $1 AND status = 'drawn' RETURNING status", round_id, now or utcnow())
    if status is None:
        await round_doc(conn, round_id)  # 404 when there is no such round
        raise ConflictError("draw the round before revealing its seed", "roundId")
    return await round_doc(conn, round_id)


async def published(conn: asyncpg.Connection, round_id: int) -> dict[str, Any]:
    """The round's public record: commitment, seed (once revealed), slots, anonymous entries
    with their choices and prior losses, and the winners. Nothing about any person."""
    document: dict[str, Any] = {"round": await round_doc(conn, round_id)}
    slots = await conn.fetch(
        "SELECT id, room_id, lower(period) AS start, upper(period) AS end, available "
        "FROM lottery_slot WHERE round_id = $1 ORDER BY id", round_id)
    document["slots"] = [{"id": s["id"], "room_id": s["room_id"],
                          "start": iso(s["start"]), "end": iso(s["end"]),
                          "available": s["available"]} for s in slots]
    if document["round"]["status"] != "drawn":
        return {**document, "entries": [], "results": []}
    document["entries"] = [{"entry": r["public_id"], "choices": list(r["choices"]),
                            "prior_losses": r["prior_losses"]}
                           for r in await conn.fetch(ENTRIES_SQL, round_id)]
    document["results"] = [dict(r) for r in await conn.fetch(
        "SELECT res.slot_id AS slot, e.public_id AS entry, res.rank FROM lottery_result res "
        "JOIN lottery_entry e ON e.id = res.entry_id WHERE res.round_id = $1 "
        "ORDER BY res.slot_id", round_id)]
    return document
