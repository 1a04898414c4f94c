"""The disaster spike (issue "Disaster-plan layers", item 9): many citizens at once on the
emergency page, the map's tiles, "this place", shelter status and evacuation routes, while
emergency mode is on.

    python -m bench.emergency [--users 500] [--seconds 30] [--think 2.0] [--workers 2]

Each simulated user repeats: pick a request from the mix, send it, wait a think time drawn
from an exponential distribution (mean ``--think`` s; 0 = no pause, a stress test). Runs
against the city database (``make run``'s), switches emergency mode on for the run and
restores it after. Prints throughput, p50/p95/p99 and errors per kind and overall; writes
JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bench.measure import Phase, Sample
from bench.report import RESULTS_DIR, machine, write_json
from bench.server import Server
from bench.workload import CITY_BBOX, city_tiles
from gis_core.database import database_url, psycopg_connect
from gis_core.settings import get_settings
from gis_core.tiles import TILE_MATRIX_SET_ID

TARGET_P99_MS = 500


def random_point(rng: random.Random) -> tuple[float, float]:
    x0, y0, x1, y1 = CITY_BBOX
    return rng.uniform(x0, x1), rng.uniform(y0, y1)


def request_mix(seed: int) -> list[tuple[str, float, Callable[[random.Random], str]]]:
    """(kind, weight, path maker): what a frightened citizen's phone asks for."""
    tiles = city_tiles([13, 14, 15, 16], seed)

    def tile(rng: random.Random) -> str:
        t = rng.choice(tiles)
        return f"/tiles/{TILE_MATRIX_SET_ID}/{t.z}/{t.y}/{t.x}"

    def place(rng: random.Random) -> str:
        lon, lat = random_point(rng)
        return f"/places/at?lon={lon:.5f}&lat={lat:.5f}"

    def route(rng: random.Random) -> str:
        lon, lat = random_point(rng)
        return f"/evacuation/route?lon={lon:.5f}&lat={lat:.5f}"

    return [
        ("page", 0.10, lambda rng: "/bousai"),
        ("state", 0.10, lambda rng: "/emergency"),
        ("tile", 0.40, tile),
        ("place", 0.15, place),
        ("shelters", 0.15, lambda rng: "/collections/shelters/items?limit=100"),
        ("route", 0.10, route),
    ]


async def user(index: int, base: str, deadline: float, think: float, seed: int,
               phases: dict[str, Phase]) -> None:
    rng = random.Random(seed * 100_003 + index)
    mix = request_mix(seed)
    weights = [w for _, w, _ in mix]
    headers = {"Accept-Encoding": "gzip", "Accept": "application/json"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1),
                                     auto_decompress=False,
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        await asyncio.sleep(rng.uniform(0, think or 0.01))  # users arrive spread out
        while time.perf_counter() < deadline:
            kind, _, make = rng.choices(mix, weights)[0]
            phases[kind].samples.append(await fetch(session, base + make(rng), headers))
            if think:
                pause = min(rng.expovariate(1 / think), deadline - time.perf_counter())
                await asyncio.sleep(max(0.0, pause))


async def fetch(session: aiohttp.ClientSession, url: str, headers: dict[str, str]) -> Sample:
    started = time.perf_counter()
    try:
        async with session.get(url, headers=headers) as response:
            body = await response.read()
            return Sample(time.perf_counter() - started, response.status, len(body))
    except (aiohttp.ClientError, TimeoutError):
        return Sample(time.perf_counter() - started, 0, 0)


async def spike(base: str, args: argparse.Namespace) -> dict[str, Phase]:
    phases = {kind: Phase(kind) for kind, _, _ in request_mix(args.seed)}
    phases["route"].answers = frozenset({200, 422})  # 422: no safe route from that point
    started = time.perf_counter()
    deadline = started + args.seconds
    await asyncio.gather(*(user(i, base, deadline, args.think, args.seed, phases)
                           for i in range(args.users)))
    wall = time.perf_counter() - started
    for phase in phases.values():
        phase.wall_seconds = wall
    return phases


def set_emergency(active: bool) -> bool:
    """Switch emergency mode; returns what it was."""
    with psycopg_connect(database_url(get_settings())) as conn:
        was = conn.execute("SELECT active FROM emergency_state").fetchone()[0]
        conn.execute("UPDATE emergency_state SET active = %s, changed_by = 'bench', "
                     "changed_at = now()", (active,))
    return bool(was)


def overall(phases: dict[str, Phase]) -> Phase:
    every = Phase("all", wall_seconds=next(iter(phases.values())).wall_seconds,
                  answers=frozenset({200, 204, 304, 422}))
    for phase in phases.values():
        every.samples.extend(phase.samples)
    return every


def show(summaries: list[dict[str, Any]]) -> None:
    print(f"{'kind':<10} {'req':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6}")
    for s in summaries:
        print(f"{s['name']:<10} {s['requests']:>7} {s['per_second']:>8} {s['p50_ms']:>8} "
              f"{s['p95_ms']:>8} {s['p99_ms']:>8} {s['errors']:>6}")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.emergency", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=500)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--think", type=float, default=2.0, help="mean think time, s (0: none)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=11)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = database_url(get_settings())
    was = set_emergency(True)
    try:
        with Server(url, args.workers, 256 * 2**20, RESULTS_DIR / "server-emergency.log",
                    layer_modules=(), ready_path="/emergency") as server:
            phases = asyncio.run(spike(server.base, args))
    finally:
        set_emergency(was)
    summaries = [p.summary() for p in phases.values()] + [overall(phases).summary()]
    show(summaries)
    total = summaries[-1]
    verdict = "ok" if total["errors"] == 0 and total["p99_ms"] < TARGET_P99_MS else "MISSED"
    print(f"target: 0 errors and p99 < {TARGET_P99_MS} ms — {verdict}")
    path = write_json({"machine": machine(), "options": vars(args), "kinds": summaries})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
