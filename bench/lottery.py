"""The lottery benchmark: a synthetic round of ``slots`` slots (hour units in 2030-01 over the
city's sample rooms) and ``entries`` entries of up to three ranked choices, popular slots
drawing more (a Zipf-like popularity), one account and household each with an email address.
Half the households entered the previous month's round too (drawn first, untimed), so the draw
computes real loss streaks. The draw runs twice with the same committed seed — the whole
service path: prior losses, availability, the draw, winners' bookings, results, commit — and
must give the same winners; the announcement that queues one email per entry is timed
separately (it runs after the draw's commit); then the published record is verified as
`citygis lottery verify` does. The pure draw (no database) is timed too.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
import numpy as np

from layers.facilities import draw, lottery_draw, notify

MONTH, EARLIER = "2030-01-01", "2029-12-01"
CLOSES = {MONTH: datetime(2029, 11, 10, 8, tzinfo=UTC),
          EARLIER: datetime(2029, 10, 10, 8, tzinfo=UTC)}
HOURS = range(9, 21)


async def make_users(conn: asyncpg.Connection, prefix: str, count: int) -> list[int]:
    """Citizens without a usable password (bench only), with email addresses."""
    rows = await conn.fetch(
        "INSERT INTO app_user (username, display_name, email, password_hash) "
        "SELECT $1 || i, '利用者 ' || i, $1 || i || '@example.jp', 'bench-no-login' "
        "FROM generate_series(1, $2) AS i RETURNING id", prefix, count)
    ids = [r["id"] for r in rows]
    await conn.execute("INSERT INTO user_role (user_id, role) "
                       "SELECT unnest($1::integer[]), 'citizen'", ids)
    return ids


async def make_round(conn: asyncpg.Connection, seed: bytes, slots: int,
                     month: str = MONTH) -> int:
    round_id = await conn.fetchval(
        "INSERT INTO lottery_round (month, opens_at, closes_at, confirm_by, max_choices, "
        "seed_commitment, algorithm) VALUES ($1::date, $2::timestamptz - interval '10 days', $2, "
        "$2::timestamptz + interval '10 days', 3, $3, $4) RETURNING id",
        datetime.fromisoformat(month).date(), CLOSES[month], hashlib.sha256(seed).hexdigest(),
        draw.ALGORITHM)
    made = await conn.execute(
        f"""
        INSERT INTO lottery_slot (round_id, room_id, period)
        SELECT $1, r.id, tstzrange(d + make_interval(hours => h), d + make_interval(hours => h + 1))
        FROM (SELECT id FROM room ORDER BY id) r,
             generate_series(timestamptz '{month} 00:00+09', timestamptz '{month} 00:00+09'
                             + interval '30 days', interval '1 day') AS d,
             generate_series({HOURS.start}, {HOURS.stop - 1}) AS h
        ORDER BY r.id, d, h LIMIT $2
        """, round_id, slots)
    assert made.endswith(str(slots)), f"only {made} slots: add rooms"
    return round_id


def choices_of(rng: np.random.Generator, slot_ids: list[int], entries: int) -> np.ndarray:
    """Up to three distinct slots per entry, popular ones (low ranks) drawn more often."""
    weights = 1.0 / np.arange(1, len(slot_ids) + 1) ** 0.8
    picks = rng.choice(len(slot_ids), size=(entries, 3), p=weights / weights.sum())
    return np.asarray(slot_ids)[picks]


async def make_entries(conn: asyncpg.Connection, round_id: int, users: list[int],
                       seed: int) -> int:
    rng = np.random.default_rng(seed)
    slot_ids = [r["id"] for r in await conn.fetch(
        "SELECT id FROM lottery_slot WHERE round_id = $1 ORDER BY id", round_id)]
    picks = choices_of(rng, slot_ids, len(users))
    counts = rng.integers(1, 4, len(users))
    entry_rows = [(round_id, user, f"hh{user}", f"E{round_id}-{n:09d}", 1)
                  for n, user in enumerate(users)]
    await conn.copy_records_to_table("lottery_entry", records=entry_rows, columns=[
        "round_id", "user_id", "household_key", "public_id", "party_size"])
    ids = {r["user_id"]: r["id"] for r in await conn.fetch(
        "SELECT id, user_id FROM lottery_entry WHERE round_id = $1", round_id)}
    choice_rows = []
    for user, row, count in zip(users, picks.tolist(), counts.tolist(), strict=True):
        for rank, slot in enumerate(dict.fromkeys(row[:count]), start=1):
            choice_rows.append((ids[user], rank, slot, round_id, f"hh{user}"))
    await conn.copy_records_to_table("lottery_choice", records=choice_rows, columns=[
        "entry_id", "rank", "slot_id", "round_id", "household_key"])
    return len(choice_rows)


async def reset(conn: asyncpg.Connection, round_id: int) -> None:
    """Undo a draw, to run it again from the same entries."""
    async with conn.transaction():
        await conn.execute("DELETE FROM notification_outbox WHERE dedupe_key LIKE 'lottery:%'")
        await conn.execute("DELETE FROM lottery_result WHERE round_id = $1", round_id)
        await conn.execute("DELETE FROM booking WHERE lottery_entry_id IN "
                           "(SELECT id FROM lottery_entry WHERE round_id = $1)", round_id)
        await conn.execute("UPDATE lottery_round SET status = 'open', seed = NULL, "
                           "drawn_at = NULL, revealed_at = NULL, entries_digest = NULL, "
                           "results_announced_at = NULL WHERE id = $1", round_id)
        await conn.execute("UPDATE lottery_entry SET prior_losses = 0 WHERE round_id = $1",
                           round_id)


async def timed_draw(conn: asyncpg.Connection, round_id: int,
                     seed: bytes) -> tuple[float, list[tuple[int, int]]]:
    started = time.perf_counter()
    await lottery_draw.run_draw(conn, round_id, seed.hex(), now=CLOSES[MONTH])  # commits
    seconds = time.perf_counter() - started
    winners = await conn.fetch("SELECT slot_id, entry_id FROM lottery_result "
                               "WHERE round_id = $1 ORDER BY slot_id", round_id)
    return seconds, [tuple(w) for w in winners]


async def run(conn: asyncpg.Connection, entries: int, slots: int, seed: int) -> dict[str, Any]:
    secret = hashlib.sha256(f"bench-{seed}".encode()).digest()
    started = time.perf_counter()
    users = await make_users(conn, "lot", entries)
    await history(conn, users[: entries // 2], slots, seed)
    round_id = await make_round(conn, secret, slots)
    choices = await make_entries(conn, round_id, users, seed)
    await conn.execute("ANALYZE")
    loaded = time.perf_counter() - started
    first, winners = await timed_draw(conn, round_id, secret)
    await reset(conn, round_id)
    second, again = await timed_draw(conn, round_id, secret)
    started = time.perf_counter()
    await notify.announce_lottery_results(conn)
    announced = time.perf_counter() - started
    outbox = await conn.fetchval("SELECT count(*) FROM notification_outbox o JOIN lottery_entry "
                                 "e ON o.dedupe_key = 'lottery:' || e.id WHERE e.round_id = $1",
                                 round_id)
    await lottery_draw.reveal(conn, round_id)
    started = time.perf_counter()
    document = await lottery_draw.published(conn, round_id)
    problems = draw.verify(document)
    verified = time.perf_counter() - started
    return {"entries": entries, "choices": choices, "slots": slots, "winners": len(winners),
            "notifications": outbox, "load_seconds": round(loaded, 2),
            "draw_seconds": [round(first, 3), round(second, 3)],
            "announce_seconds": round(announced, 3),
            "with_loss_history": await conn.fetchval(
                "SELECT count(*) FROM lottery_entry WHERE round_id = $1 AND prior_losses > 0",
                round_id),
            "same_result_twice": winners == again,
            "verify_seconds": round(verified, 3), "verified": not problems,
            "pure_draw_seconds": round(pure_draw(document, secret), 3)}


async def history(conn: asyncpg.Connection, users: list[int], slots: int, seed: int) -> None:
    """Last month's round, entered by ``users`` and drawn (most of them lose)."""
    secret = hashlib.sha256(f"history-{seed}".encode()).digest()
    round_id = await make_round(conn, secret, slots, EARLIER)
    await make_entries(conn, round_id, users, seed + 1)
    await lottery_draw.run_draw(conn, round_id, secret.hex(), now=CLOSES[EARLIER])
    await notify.announce_lottery_results(conn)


def pure_draw(document: dict[str, Any], seed: bytes) -> float:
    """The algorithm alone, on the published entries (what `citygis lottery verify` runs)."""
    entries = draw.entries_of(document)
    available = [s["id"] for s in document["slots"] if s["available"]]
    started = time.perf_counter()
    draw.draw(seed, document["round"]["id"], entries, available)
    return time.perf_counter() - started
