"""Per-key sliding-window limits (failed logins per address, reports per reporter), counted in
PostgreSQL so that every worker — and every server on the same database — shares one
allowance. Each hit also prunes its bucket's expired hits, so the table holds one window."""

from __future__ import annotations

import asyncpg

COUNT_SQL = """
SELECT count(*) FROM rate_hit
WHERE bucket = $1 AND key = $2 AND at > clock_timestamp() - make_interval(secs => $3)
"""
PRUNE_SQL = """
DELETE FROM rate_hit WHERE bucket = $1 AND at <= clock_timestamp() - make_interval(secs => $2)
"""


class SlidingWindow:
    def __init__(self, bucket: str, limit: int, window_s: float) -> None:
        self.bucket, self.limit, self.window_s = bucket, limit, window_s

    async def full(self, conn: asyncpg.Connection, key: str) -> bool:
        return await conn.fetchval(COUNT_SQL, self.bucket, key, self.window_s) >= self.limit

    async def hit(self, conn: asyncpg.Connection, key: str) -> None:
        await conn.execute(PRUNE_SQL, self.bucket, self.window_s)
        await conn.execute("INSERT INTO rate_hit (bucket, key) VALUES ($1, $2)", self.bucket, key)

    async def take(self, conn: asyncpg.Connection, key: str) -> bool:
        """Counts a hit if the allowance has room, atomically across connections: the key's
        transaction-scoped advisory lock orders concurrent takers."""
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                               f"rate:{self.bucket}:{key}")
            if await self.full(conn, key):
                return False
            await self.hit(conn, key)
            return True

    async def forgive(self, conn: asyncpg.Connection, key: str) -> None:
        """Takes back the key's latest hit (a login that turned out right)."""
        await conn.execute(
            "DELETE FROM rate_hit WHERE ctid = (SELECT ctid FROM rate_hit WHERE bucket = $1 "
            "AND key = $2 ORDER BY at DESC LIMIT 1)", self.bucket, key)
