"""Rate limits live in PostgreSQL: every worker and every server on the database shares one
allowance; concurrent takers never exceed it; the window slides and its expired hits are
pruned. Failed logins are limited per address (a right password gives its place back)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from api.throttle import SlidingWindow
from gis_core.access import Role
from gis_core.database import connect_kwargs, psycopg_connect
from tests.conftest import LiveServer
from tests.helpers import run_db

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def servers(fresh_module_db: URL) -> Iterator[tuple[LiveServer, LiveServer, URL]]:
    async def account(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "t_citizen", PASSWORD, "市民", {Role.CITIZEN})
    run_db(fresh_module_db, account)
    with LiveServer(fresh_module_db) as one, LiveServer(fresh_module_db) as two:
        yield one, two, fresh_module_db


def log_in(server: LiveServer, password: str, username: str = "t_citizen") -> httpx.Response:
    return httpx.post(f"{server.url}/auth/login", timeout=30,
                      json={"username": username, "password": password})


def forget_hits(url: URL) -> None:
    with psycopg_connect(url) as conn:
        conn.execute("DELETE FROM rate_hit")


def test_failed_logins_count_across_servers(servers) -> None:
    one, two, url = servers
    forget_hits(url)
    for n in range(20):
        assert log_in(one if n % 2 else two, "wrong", f"nobody{n}").status_code == 401
    for server in (one, two):
        refused = log_in(server, PASSWORD)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["Retry-After"]) == 600
    forget_hits(url)
    assert log_in(one, PASSWORD).status_code == 200


def test_right_passwords_give_their_place_back(servers) -> None:
    one, two, url = servers
    forget_hits(url)
    assert all(log_in(s, PASSWORD).status_code == 200 for s in (one, two) * 15)
    with psycopg_connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM rate_hit").fetchone()[0] == 0


def test_concurrent_takers_never_exceed_the_limit(fresh_module_db: URL) -> None:
    window = SlidingWindow("test-burst", limit=5, window_s=60)

    async def burst() -> list[bool]:
        pool = await asyncpg.create_pool(**connect_kwargs(fresh_module_db), min_size=20,
                                         max_size=20)
        try:
            async def one() -> bool:
                async with pool.acquire() as conn:
                    return await window.take(conn, "same-key")
            return await asyncio.gather(*(one() for _ in range(40)))
        finally:
            await pool.close()

    assert sorted(asyncio.run(burst())) == [False] * 35 + [True] * 5


def test_the_window_slides_and_prunes_what_expired(fresh_module_db: URL) -> None:
    window = SlidingWindow("test-slide", limit=2, window_s=1.0)

    async def takes(conn: asyncpg.Connection) -> list[bool]:
        return [await window.take(conn, "k") for _ in range(3)]

    assert run_db(fresh_module_db, takes) == [True, True, False]
    time.sleep(1.1)
    assert run_db(fresh_module_db, lambda conn: window.take(conn, "k")) is True
    with psycopg_connect(fresh_module_db) as conn:
        left = conn.execute("SELECT count(*) FROM rate_hit WHERE bucket = 'test-slide'")
        assert left.fetchone()[0] == 1
