"""The bookings and lottery benchmark (issue 5, item 10).

    python -m bench.bookings [--concurrency 16] [--seconds 10] [--entries 100000]
                             [--slots 5000] [--no-http]

1. Creates the database ``citygis_bench_bookings`` afresh (migrated, the city and its sample
   rooms loaded) and a few thousand citizens with API tokens.
2. Bookings/s, each phase for ``--seconds`` at ``--concurrency`` callers, first through the
   service functions on a pool of the server's size (no HTTP), then over HTTP against
   ``citygis serve`` (1 worker):
   - without contention: every request books a different free unit (each citizen at most
     ``MAX_ACTIVE`` of them, the per-person limit) → all 201;
   - with contention: every request aims at one of 8 hot units → 8 × 201, the rest 409.
   The table is emptied between phases.
3. The lottery: 100,000 entries (1–3 ranked choices) over 5,000 slots, drawn twice with the
   same seed (whole service path, commit included), then verified (``bench.lottery``).
Prints the figures and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import orjson
from sqlalchemy.engine import URL

from api.auth.service import TOKEN_PREFIX
from bench import lottery as lottery_bench
from bench.measure import Phase, Sample, drive
from bench.report import RESULTS_DIR, machine, write_json
from bench.server import Server, fresh_city_database
from gis_core.database import connect_kwargs, create_pool
from gis_core.errors import DomainError
from gis_core.settings import get_settings
from layers.facilities import booking
from layers.facilities.ledger import MAX_ACTIVE
from layers.facilities.rooms import JAPAN, load_rooms
from layers.facilities.schemas import BookingIn

BENCH_DATABASE = "citygis_bench_bookings"
HOT_SLOTS = 8
Job = tuple[int, str, dict[str, Any]]  # user id, token, booking body


def prepare() -> URL:
    return fresh_city_database(BENCH_DATABASE)


async def citizens(conn: asyncpg.Connection, count: int) -> list[tuple[int, str]]:
    """(user id, bearer token) of ``count`` new citizens."""
    ids = await lottery_bench.make_users(conn, "booker", count)
    tokens = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in ids]
    await conn.executemany(
        "INSERT INTO api_token (user_id, name, token_hash, prefix) VALUES ($1, 'bench', $2, $3)",
        [(i, hashlib.sha256(t.encode()).digest(), t[:11]) for i, t in zip(ids, tokens,
                                                                           strict=True)])
    return list(zip(ids, tokens, strict=True))


async def free_units(conn: asyncpg.Connection) -> tuple[list[dict[str, Any]], list[dict]]:
    """Bookable units of the non-lottery rooms over the next 90 days; the first room's first
    ``HOT_SLOTS`` units are kept apart as the contended ones."""
    ids = [r["id"] for r in await conn.fetch(
        "SELECT id FROM room WHERE active AND NOT lottery ORDER BY id")]
    rooms = await load_rooms(conn, ids)
    today = datetime.now(JAPAN).date()
    units = [{"room_id": room_id, "start": s.start.isoformat(), "end": s.end.isoformat()}
             for room_id in ids for n in range(2, 90)
             for s in rooms[room_id].slots(today + timedelta(days=n))]
    hot = [u for u in units if u["room_id"] == ids[0]][:HOT_SLOTS]
    return [u for u in units if u["room_id"] != ids[0]], hot


def spread_jobs(units: list[dict], people: list[tuple[int, str]]) -> Iterator[Job]:
    """Each unit once, each citizen for at most ``MAX_ACTIVE`` of them."""
    for n, unit in enumerate(units):
        user_id, token = people[(n // MAX_ACTIVE) % len(people)]
        yield user_id, token, unit


def hot_jobs(hot: list[dict], people: list[tuple[int, str]]) -> Iterator[Job]:
    for n, person in enumerate(itertools.cycle(people)):
        yield person[0], person[1], hot[n % len(hot)]


async def service_phase(url: URL, name: str, jobs: Iterator[Job], args: argparse.Namespace
                        ) -> Phase:
    pool = await create_pool(url, get_settings().db_pool_size)

    async def call(job: Job, _caller: int) -> Sample:
        started = time.perf_counter()
        try:
            async with pool.acquire() as conn:
                await booking.book(conn, job[0], BookingIn(**job[2]))
            status = 201
        except DomainError as exc:
            status = 409 if isinstance(exc, booking.SlotTaken) else 422
        return Sample(time.perf_counter() - started, status, 0)

    try:
        return await drive(name, jobs, call, args.concurrency, args.seconds)
    finally:
        await pool.close()


async def http_phase(base: str, name: str, jobs: Iterator[Job], args: argparse.Namespace
                     ) -> Phase:
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
                for _ in range(args.concurrency)]

    async def call(job: Job, caller: int) -> Sample:
        started = time.perf_counter()
        async with sessions[caller].post(f"{base}/bookings", data=orjson.dumps(job[2]), headers={
                "Authorization": f"Bearer {job[1]}", "Content-Type": "application/json"}) as r:
            body = await r.read()
        return Sample(time.perf_counter() - started, r.status, len(body))

    try:
        return await drive(name, jobs, call, args.concurrency, args.seconds)
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


async def empty(url: URL) -> None:
    conn = await asyncpg.connect(**connect_kwargs(url))
    try:
        await conn.execute("TRUNCATE booking, notification_outbox CASCADE")
    finally:
        await conn.close()


def show(phase: Phase) -> dict[str, Any]:
    s = phase.summary()
    print(f"  {s['name']:<34} {s['requests']:>6} req {s['per_second']:>8.1f}/s  p50 "
          f"{s['p50_ms']:>7.1f} ms  p99 {s['p99_ms']:>7.1f} ms  statuses {s['statuses']}",
          flush=True)
    return s


def booking_phases(url: URL, people: list[tuple[int, str]], units: list[dict], hot: list[dict],
                   args: argparse.Namespace) -> list[dict[str, Any]]:
    found = []
    for label, jobs in (("without contention", lambda: spread_jobs(units, people)),
                        ("with contention", lambda: hot_jobs(hot, people))):
        found.append(show(asyncio.run(service_phase(url, f"service {label}", jobs(), args))))
        asyncio.run(empty(url))
    if args.no_http:
        return found
    with Server(url, 1, 64 * 1024 * 1024, RESULTS_DIR / "bookings-server.log",
                ready_path="/rooms", layer_modules=()) as server:
        for label, jobs in (("without contention", lambda: spread_jobs(units, people)),
                            ("with contention", lambda: hot_jobs(hot, people))):
            found.append(show(asyncio.run(http_phase(server.base, f"http {label}", jobs(),
                                                     args))))
            asyncio.run(empty(url))
    return found


async def setup_people(url: URL, count: int) -> tuple[list, list, list]:
    conn = await asyncpg.connect(**connect_kwargs(url))
    try:
        people = await citizens(conn, count)
        units, hot = await free_units(conn)
        return people, units, hot
    finally:
        await conn.close()


async def lottery_phase(url: URL, args: argparse.Namespace) -> dict[str, Any]:
    conn = await asyncpg.connect(**connect_kwargs(url))
    try:
        return await lottery_bench.run(conn, args.entries, args.slots, args.seed)
    finally:
        await conn.close()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.bookings", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--citizens", type=int, default=3000)
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--slots", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=13220)
    p.add_argument("--no-http", action="store_true", help="service phases only")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = prepare()
    people, units, hot = asyncio.run(setup_people(url, args.citizens))
    print(f"{len(people)} citizens, {len(units)} free units, {len(hot)} hot units; "
          f"concurrency {args.concurrency}, pool {get_settings().db_pool_size}", flush=True)
    phases = booking_phases(url, people, units, hot, args)
    drawn = asyncio.run(lottery_phase(url, args))
    print(f"  lottery: {drawn['entries']:,} entries ({drawn['choices']:,} choices) over "
          f"{drawn['slots']:,} slots → {drawn['winners']:,} winners, "
          f"{drawn['with_loss_history']:,} entries with a loss streak; draw "
          f"{drawn['draw_seconds']} s, then {drawn['notifications']:,} notifications queued in "
          f"{drawn['announce_seconds']} s "
          f"(pure algorithm {drawn['pure_draw_seconds']} s), same result twice: "
          f"{drawn['same_result_twice']}, verified in {drawn['verify_seconds']} s: "
          f"{drawn['verified']}", flush=True)
    path = write_json({"kind": "bookings", "machine": machine(), "options": vars(args),
                       "date": date.today().isoformat(), "phases": phases, "lottery": drawn},
                      prefix="bookings")
    print(f"wrote {path}")
    return 0 if drawn["same_result_twice"] and drawn["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
