"""Helpers every test module may use (fixtures live in the conftest files)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import URL

from gis_core.database import connect_kwargs

T = TypeVar("T")


def run_db(url: URL, action: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """``action(conn)`` on a connection of its own to ``url``, from synchronous test code."""
    async def go() -> T:
        conn = await asyncpg.connect(**connect_kwargs(url))
        try:
            return await action(conn)
        finally:
            await conn.close()
    return asyncio.run(go())
