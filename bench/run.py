"""The spatial-core benchmark (issue "Spatial core", item 9).

Loads (once) 1,000,000 points and 200,000 polygons into the database citygis_bench, starts
``citygis serve`` on it and measures, at a fixed concurrency:
  items/s   random 0.005° bbox queries (limit 100) on bench_points and bench_polygons;
  tiles/s   every z14–z16 tile of the city, uncached (each tile once, fresh server), cached
            (the same tiles again) and revalidated (If-None-Match → 304);
  floor     the same tiles rendered directly in PostgreSQL with the server's SQL.
Prints a table and writes JSON to bench/results/. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.engine import URL

from bench.client import Client, layer_tile_paths, rounds
from bench.floor import sql_floor
from bench.layers import BENCH_LAYERS
from bench.load import POINTS, POLYGONS, bench_url, load
from bench.measure import Phase
from bench.report import HEADER, RESULTS_DIR, machine, ratio_lines, ratios, row, write_json
from bench.server import Server
from bench.workload import Tile, city_tiles
from gis_core.settings import get_settings

ENDLESS = 1_000_000  # rounds: cached phases stop on their time limit


def parse_zooms(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workers", default="1,2", help="server worker counts to try (default 1,2)")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--zooms", default="14-16", help="tile zoom levels (default 14-16)")
    p.add_argument("--items-seconds", type=float, default=10, help="per items phase")
    p.add_argument("--cached-seconds", type=float, default=10, help="per cached/304 phase")
    p.add_argument("--max-seconds", type=float, default=300,
                   help="cap of the uncached and SQL-floor phases (default 300)")
    p.add_argument("--accept-encoding", default="gzip",
                   help="the client's Accept-Encoding (default gzip, as browsers send; "
                        "'identity' for uncompressed responses)")
    p.add_argument("--cache-mb", type=int, default=1024,
                   help="server tile cache (CITYGIS_TILE_CACHE_BYTES; default 1024 MB)")
    p.add_argument("--seed", type=int, default=9)
    p.add_argument("--points", type=int, default=POINTS)
    p.add_argument("--polygons", type=int, default=POLYGONS)
    p.add_argument("--no-load", action="store_true", help="use citygis_bench as it is")
    p.add_argument("--no-floor", action="store_true", help="skip the SQL floor")
    return p


def show(phase: Phase, workers: int | str) -> dict[str, Any]:
    summary = phase.summary()
    print(row(summary, workers), flush=True)
    return summary


async def floor_phases(url: URL, tiles: list[Tile], args: argparse.Namespace,
                       connections: int) -> dict[str, dict[str, Any]]:
    """Per layer: one unmeasured pass (warms PostgreSQL's buffers), then the measured one."""
    found = {}
    for layer in BENCH_LAYERS:
        name = f"tiles sql floor {connections:>2}c {layer.id}"
        await sql_floor(url, layer, tiles, connections, args.max_seconds, "warm-up")
        phase = await sql_floor(url, layer, tiles, connections, args.max_seconds, name)
        found[layer.id] = show(phase, "-")
    return found


def floors(url: URL, tiles: list[Tile], args: argparse.Namespace
           ) -> dict[int, dict[str, dict[str, Any]]]:
    """The floor at the client's concurrency (the target's reference) and, when it differs,
    at the server's pool size (what the server's own connections could do at best)."""
    if args.no_floor:
        return {}
    counts = dict.fromkeys([args.concurrency, get_settings().db_pool_size])
    return {n: asyncio.run(floor_phases(url, tiles, args, n)) for n in counts}


async def layer_tile_phases(client: Client, layer_id: str, tiles: list[Tile], workers: int,
                            args: argparse.Namespace) -> list[Phase]:
    paths = layer_tile_paths(layer_id, tiles)
    uncached = await client.tiles(f"tiles uncached {layer_id}", paths, args.max_seconds)
    if workers > 1:
        await client.broadcast(paths)  # into the cache of every worker
    cached = await client.tiles(f"tiles cached {layer_id}", rounds(paths, ENDLESS),
                                args.cached_seconds)
    revalidated = await client.tiles(f"tiles 304 {layer_id}", rounds(paths, ENDLESS),
                                     args.cached_seconds, revalidate=True)
    return [uncached, cached, revalidated]


async def server_phases(base: str, tiles: list[Tile], workers: int,
                        args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    phases: list[Phase] = []
    async with Client(base, args.concurrency, args.accept_encoding) as client:
        for layer in BENCH_LAYERS:
            phases.append(await client.items(layer.id, args.items_seconds, args.seed))
            show(phases[-1], workers)
        for layer in BENCH_LAYERS:
            for phase in await layer_tile_phases(client, layer.id, tiles, workers, args):
                phases.append(phase)
                show(phase, workers)
    return {phase.name: phase.summary() for phase in phases}


def run_workers(url: URL, tiles: list[Tile], workers: int, args: argparse.Namespace
                ) -> dict[str, dict[str, Any]]:
    log = RESULTS_DIR / f"server-workers{workers}.log"
    with Server(url, workers, args.cache_mb * 1024 * 1024, log) as server:
        return asyncio.run(server_phases(server.base, tiles, workers, args))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    url = bench_url() if args.no_load else load(args.points, args.polygons)
    tiles = city_tiles(parse_zooms(args.zooms), args.seed)
    print(f"{len(tiles)} tiles per layer (z{args.zooms}), concurrency {args.concurrency}, "
          f"Accept-Encoding: {args.accept_encoding}\n{HEADER}", flush=True)
    floor = floors(url, tiles, args)
    runs: dict[str, Any] = {}
    layer_ids = [layer.id for layer in BENCH_LAYERS]
    for workers in (int(w) for w in args.workers.split(",")):
        phases = run_workers(url, tiles, workers, args)
        runs[str(workers)] = {"phases": phases,
                              "ratios": ratios(floor, phases, layer_ids) if floor else {}}
    for workers, run in runs.items():
        print("\n".join(ratio_lines(int(workers), run["ratios"])))
    path = write_json({"machine": machine(), "options": vars(args), "tiles": len(tiles),
                       "pool_size": get_settings().db_pool_size,
                       "floor": {str(n): found for n, found in floor.items()}, "runs": runs})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
