"""Fixtures of the facilities tests: a database of the module's own (the loaded city with its
sample rooms), a real SMTP server on loopback, and the app serving both."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL

from gis_core.database import connect_kwargs
from gis_core.settings import Settings, get_settings
from layers.facilities import notify
from tests.conftest import LiveServer
from tests.facilities.helpers import Mailbox, days_ahead, room_ids, slots_of, smtp_server
from tests.helpers import run_db

T = TypeVar("T")
DB = Callable[[Callable[[asyncpg.Connection], Awaitable[Any]]], Any]


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as (mailbox, port):
        yield mailbox, port


def booking_settings(smtp_port: int | None, **extra: Any) -> Settings:
    update = {"smtp_host": "127.0.0.1" if smtp_port else None, "smtp_port": smtp_port or 25,
              "housekeeping_interval_s": 0, **extra}
    return get_settings().model_copy(update=update)


@pytest.fixture(scope="module")
def live(fresh_module_db: URL, mail: tuple[Mailbox, int]) -> Iterator[LiveServer]:
    with LiveServer(fresh_module_db, booking_settings(mail[1])) as server:
        yield server


@pytest.fixture(scope="module")
def db(fresh_module_db: URL) -> DB:
    """Run ``action(conn)`` on the module's database, in a connection of its own."""
    def run(action: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        return run_db(fresh_module_db, action)
    return run


@pytest.fixture(scope="module")
def slots(db: DB) -> list:
    room_id = db(lambda conn: room_ids(conn, kind="meeting_room"))[2]
    return [(room_id, s) for s in db(lambda conn: slots_of(conn, room_id, days_ahead(3)))[1]]


def outbox_of(db: DB, user_id: int) -> list[asyncpg.Record]:
    return db(lambda conn: conn.fetch(
        "SELECT id, kind, attempts, sent_at, last_error, next_attempt_at FROM "
        "notification_outbox WHERE user_id = $1 ORDER BY id", user_id))


def drain(url: URL, port: int) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(**connect_kwargs(url))
        try:
            return await notify.drain(conn, booking_settings(port))
        finally:
            await conn.close()
    return asyncio.run(go())
