"""Disaster benchmark: warm evacuation routes and whole-city exposure on the loaded city.

    python -m bench.disaster [--origins 500] [--no-http]

1. Service level (asyncpg, the API's connection settings): 500 routes from random origins
   inside the city boundary (fixed seed) after 50 unmeasured warm-up routes; isochrones of
   every shelter; the whole-city exposure, five times.
2. HTTP level: ``citygis serve`` (1 worker) on the same database, the same origins through
   ``/evacuation/route`` one at a time, and ``/exposure``.
Targets: warm route p95 < 50 ms; whole-city exposure < 2 s. Figures go to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
import shapely

from bench.client import Client
from bench.measure import drive, percentile
from bench.server import Server
from gis_core.database import API_SERVER_SETTINGS, connect_kwargs, database_url
from layers.disaster import evacuation, exposure

RESULTS = Path(__file__).resolve().parent / "results"
SEED = 13220


async def origins(conn: asyncpg.Connection, count: int) -> list[tuple[float, float]]:
    """Random points inside the city boundary (fixed seed)."""
    boundary = shapely.from_wkb(bytes(await conn.fetchval(
        "SELECT ST_AsBinary(ST_Union(geom)) FROM city_boundary")))
    rng = np.random.default_rng(SEED)
    minx, miny, maxx, maxy = boundary.bounds
    found: list[tuple[float, float]] = []
    while len(found) < count:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if boundary.contains(shapely.Point(x, y)):
            found.append((float(x), float(y)))
    return found


def stats(milliseconds: list[float]) -> dict[str, float]:
    ordered = sorted(milliseconds)
    return {"n": len(ordered), "p50_ms": round(percentile(ordered, 50), 2),
            "p95_ms": round(percentile(ordered, 95), 2),
            "p99_ms": round(percentile(ordered, 99), 2),
            "max_ms": round(ordered[-1], 2), "mean_ms": round(statistics.fmean(ordered), 2)}


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        await call()
        ok = True
    except evacuation.Unreachable:
        ok = False
    return (time.perf_counter() - started) * 1000, ok


async def service_level(points: list[tuple[float, float]]) -> dict[str, Any]:
    conn = await asyncpg.connect(**connect_kwargs(database_url()),
                                 server_settings=API_SERVER_SETTINGS)
    try:
        for lon, lat in points[:50]:
            await timed(lambda lon=lon, lat=lat: evacuation.evacuation_route(conn, lon, lat))
        routes = [await timed(lambda lon=lon, lat=lat: evacuation.evacuation_route(
            conn, lon, lat)) for lon, lat in points]
        shelters = [r["id"] for r in await conn.fetch("SELECT id FROM shelter ORDER BY id")]
        isochrones = [(await timed(lambda s=s: evacuation.shelter_isochrones(conn, s)))[0]
                      for s in shelters]
        whole_city = [(await timed(lambda: exposure.exposure(conn)))[0] for _ in range(5)]
        edges = await conn.fetchval("SELECT count(*) FROM road_edge")
    finally:
        await conn.close()
    return {"graph_edges": edges,
            "route": stats([ms for ms, _ in routes]),
            "route_unreachable": sum(not ok for _, ok in routes),
            "isochrones_per_shelter": stats(isochrones),
            "exposure_whole_city": stats(whole_city)}


async def http_level(points: list[tuple[float, float]]) -> dict[str, Any]:
    log = RESULTS / "disaster-server.log"
    with _Server(database_url(), workers=1, cache_bytes=64 << 20, log_path=log) as server:
        async with Client(server.base, 1, "gzip") as client:
            paths = [f"/evacuation/route?lon={lon}&lat={lat}" for lon, lat in points]
            await drive("warm-up", paths[:50], client.get, 1, 60)
            routes = await drive("routes", paths, client.get, 1, 120)
            city = await drive("exposure", ["/exposure"] * 5, client.get, 1, 60)
    return {"route": routes.summary(), "exposure": city.summary()}


class _Server(Server):
    def _answers(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(self.base + "/rasters", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--origins", type=int, default=500)
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()

    async def run() -> dict[str, Any]:
        conn = await asyncpg.connect(**connect_kwargs(database_url()))
        try:
            points = await origins(conn, args.origins)
        finally:
            await conn.close()
        result = {"service": await service_level(points)}
        if not args.no_http:
            result["http"] = await http_level(points)
        return result

    result = asyncio.run(run())
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"disaster-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
