"""Emergency mode reaches the bookings: when it starts, and when a shelter opens during it,
the facility at the shelter has its bookings suspended and their holders are emailed."""

from __future__ import annotations

import asyncpg
import httpx

from gis_core.access import Role
from layers.facilities import booking
from layers.facilities.schemas import BookingIn
from layers.facilities.service import lift_suspension
from tests.conftest import LiveServer
from tests.facilities.conftest import DB
from tests.facilities.helpers import Mailbox, days_ahead, make_person, slots_of

SUBJECT = "【東大和市】施設の利用停止による予約取消しのお知らせ"

SHELTER_ROOMS = """
SELECT r.id AS room_id, r.facility_id, s.id AS shelter_id
FROM room r JOIN facility f ON f.id = r.facility_id
JOIN shelter s ON ST_DWithin(s.geom::geography, f.geom::geography, 30)
WHERE r.active AND NOT r.lottery AND s.is_designated_shelter
ORDER BY r.id
"""


def book_tomorrow(db: DB, username: str, room_id: int) -> tuple[int, str]:
    slot = db(lambda conn: slots_of(conn, room_id, days_ahead(1), days=1))[1][0]
    holder = db(lambda conn: make_person(conn, username))
    made = db(lambda conn: booking.book(conn, holder.user_id, BookingIn(
        room_id=room_id, start=slot.start, end=slot.end)))
    return made["id"], holder.email


def status_of(db: DB, booking_id: int) -> str:
    return db(lambda conn: conn.fetchval("SELECT status FROM booking WHERE id = $1",
                                         booking_id))


def test_emergency_mode_suspends_bookings_at_open_shelters(
        live: LiveServer, db: DB, mail: tuple[Mailbox, int]) -> None:
    rooms: list[asyncpg.Record] = db(lambda conn: conn.fetch(SHELTER_ROOMS))
    first, later = rooms[0], next(r for r in rooms if r["facility_id"] != rooms[0]["facility_id"])
    officer = db(lambda conn: make_person(conn, "em_officer", roles=(Role.DISASTER_OFFICER,)))
    db(lambda conn: conn.execute("UPDATE shelter SET status = 'closed' WHERE id = $1",
                                 later["shelter_id"]))
    at_open, open_holder = book_tomorrow(db, "em_holder1", first["room_id"])
    at_closed, _ = book_tomorrow(db, "em_holder2", later["room_id"])
    with httpx.Client(base_url=live.url, headers=officer.headers, timeout=60) as client:
        switched = client.put("/emergency", json={"active": True})
        assert switched.status_code == 200, switched.text
        assert first["facility_id"] in switched.json()["facilities_suspended"]
        assert later["facility_id"] not in switched.json()["facilities_suspended"]
        assert status_of(db, at_open) == "suspended" and status_of(db, at_closed) == "confirmed"
        told = [m for m in mail[0].wait_for(open_holder, 2) if m.subject == SUBJECT]
        assert len(told) == 1 and "避難所として開設" in told[0].body
        opened = client.patch(f"/shelters/{later['shelter_id']}", json={"status": "open"})
        assert opened.status_code == 200, opened.text
        assert status_of(db, at_closed) == "suspended"
        client.put("/emergency", json={"active": False})


def test_outside_emergency_mode_opening_a_shelter_touches_no_booking(
        live: LiveServer, db: DB) -> None:
    for (suspension_id,) in db(lambda conn: conn.fetch(
            "SELECT id FROM facility_suspension WHERE lifted_at IS NULL")):
        db(lambda conn, s=suspension_id: lift_suspension(conn, s))  # whatever ran before
    room = db(lambda conn: conn.fetch(SHELTER_ROOMS))[-1]
    officer = db(lambda conn: make_person(conn, "drill_officer", roles=(Role.DISASTER_OFFICER,)))
    db(lambda conn: conn.execute("UPDATE shelter SET status = 'closed' WHERE id = $1",
                                 room["shelter_id"]))
    booked, _ = book_tomorrow(db, "drill_holder", room["room_id"])
    with httpx.Client(base_url=live.url, headers=officer.headers, timeout=60) as client:
        assert client.patch(f"/shelters/{room['shelter_id']}",
                            json={"status": "open"}).status_code == 200
    assert status_of(db, booked) == "confirmed"
