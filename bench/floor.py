"""The SQL floor: the same tiles rendered directly in PostgreSQL with exactly the server's
statement (gis_core.tiles.tileset_sql) and connection settings (API_SERVER_SETTINGS), at the
same concurrency. No HTTP, no Python web stack: what the database alone can do."""

from __future__ import annotations

import time

import asyncpg
from sqlalchemy.engine import URL

from bench.measure import Phase, Sample, drive
from bench.workload import Tile
from gis_core.catalog import Layer
from gis_core.database import create_pool
from gis_core.tiles import tileset_sql


async def _open_all(pool: asyncpg.Pool, count: int) -> None:
    """Open every connection before the clock starts (the server's pool is warm too)."""
    held = [await pool.acquire() for _ in range(count)]
    for conn in held:
        await pool.release(conn)


async def sql_floor(url: URL, layer: Layer, tiles: list[Tile], concurrency: int,
                    seconds: float, name: str = "") -> Phase:
    pool = await create_pool(url, concurrency)
    try:
        async def call(tile: Tile, _caller: int) -> Sample:
            sql = tileset_sql([layer], tile.z)
            assert sql is not None, "bench layers are served at every zoom"
            started = time.perf_counter()
            async with pool.acquire() as conn:
                try:
                    tile_bytes = await conn.fetchval(sql, tile.z, tile.x, tile.y)
                except asyncpg.PostgresError:
                    return Sample(time.perf_counter() - started, 0, 0)
            size = len(tile_bytes or b"")
            return Sample(time.perf_counter() - started, 200 if size else 204, size)

        await _open_all(pool, concurrency)
        return await drive(name or f"tiles sql floor {layer.id}", tiles, call, concurrency,
                           seconds)
    finally:
        await pool.close()
