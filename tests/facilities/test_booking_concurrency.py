"""Fifty citizens book the same slot at the same moment over HTTP: exactly one is booked, the
other 49 get 409 problem documents, and the table holds exactly one row for the slot (and the
outbox one message). The server gets 25 database connections so that many inserts really race
inside PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from tests.conftest import LiveServer
from tests.facilities.conftest import DB, booking_settings
from tests.facilities.helpers import (
    Person,
    booking_body,
    days_ahead,
    make_person,
    room_ids,
    slots_of,
)

CLIENTS = 50


@pytest.fixture(scope="module")
def racing_server(fresh_module_db: URL) -> Iterator[LiveServer]:
    with LiveServer(fresh_module_db, booking_settings(None, db_pool_size=25)) as server:
        yield server


async def _race(base_url: str, people: list[Person], body: dict[str, object]
                ) -> list[httpx.Response]:
    """Every client connected and waiting at a barrier, then all POSTs at once."""
    start = asyncio.Event()

    async def one(person: Person) -> httpx.Response:
        async with httpx.AsyncClient(base_url=base_url, headers=person.headers,
                                     timeout=120) as client:
            await client.get("/auth/me")  # open the connection before the race
            await start.wait()
            return await client.post("/bookings", json=body)

    tasks = [asyncio.create_task(one(p)) for p in people]
    await asyncio.sleep(1.0)
    start.set()
    return await asyncio.gather(*tasks)


def test_fifty_clients_one_slot_one_booking(racing_server: LiveServer, db: DB,
                                            fresh_module_db: URL) -> None:
    async def setup(conn: asyncpg.Connection) -> tuple[list[Person], int, object]:
        people = [await make_person(conn, f"racer{n:02d}") for n in range(CLIENTS)]
        room_id = (await room_ids(conn, kind="meeting_room"))[0]
        _room, slots = await slots_of(conn, room_id, days_ahead(4))
        return people, room_id, slots[0]

    people, room_id, slot = db(setup)
    body = booking_body(room_id, slot, party_size=3)
    assert threading.active_count() >= 2  # the server runs in a thread of this process
    responses = asyncio.run(_race(racing_server.url, people, body))
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: CLIENTS - 1}, statuses
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/slot-taken"
    winner = next(r.json() for r in responses if r.status_code == 201)
    with psycopg_connect(fresh_module_db) as conn:
        rows = conn.execute("SELECT id, status FROM booking WHERE room_id = %s",
                            (room_id,)).fetchall()
        queued = conn.execute("SELECT count(*) FROM notification_outbox WHERE kind = 'booked' "
                              "AND payload->>'booking_id' = %s", (str(winner["id"]),)
                              ).fetchone()[0]
        others = conn.execute("SELECT count(*) FROM notification_outbox WHERE kind = 'booked'"
                              ).fetchone()[0]
    assert rows == [(winner["id"], "confirmed")]
    assert (queued, others) == (1, 1)
