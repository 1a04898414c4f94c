"""The two reads behind the staff page: every booking of a day across rooms, and the citizens
whose address awaits verification. Both carry personal data: staff only, each call audited."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import asyncpg
import httpx
import pytest

from gis_core.access import Role
from layers.facilities.ledger import insert_booking
from layers.facilities.rooms import JAPAN
from tests.conftest import LiveServer
from tests.facilities.conftest import DB
from tests.facilities.helpers import Person, assert_problem, days_ahead, make_person, room_ids

DAY = days_ahead(3)


@pytest.fixture(scope="module")
def staff(db: DB) -> Person:
    return db(lambda conn: make_person(conn, "desk-clerk", roles=(Role.FACILITY_STAFF,)))


@pytest.fixture(scope="module")
def citizen(db: DB) -> Person:
    return db(lambda conn: make_person(conn, "desk-visitor", address="中央3-1-1",
                                       display_name="窓口 太郎"))


@pytest.fixture(scope="module")
def bookings(db: DB, citizen: Person) -> list[int]:
    """Two bookings on DAY in rooms of different facilities, one the day after."""
    async def make(conn: asyncpg.Connection) -> list[int]:
        rooms = await conn.fetch("SELECT DISTINCT ON (facility_id) id, facility_id FROM room "
                                 "WHERE id = ANY($1::integer[]) ORDER BY facility_id, id",
                                 await room_ids(conn))
        made = []
        for n, (room, day) in enumerate([(rooms[0]["id"], DAY), (rooms[1]["id"], DAY),
                                         (rooms[0]["id"], DAY + timedelta(days=1))]):
            start = datetime.combine(day, time(9 + n), tzinfo=JAPAN)
            made.append(await insert_booking(conn, room, citizen.user_id, start,
                                             start + timedelta(hours=1), 3, "会議"))
        return made
    return db(make)


def audit_rows(db: DB, target: str) -> list[asyncpg.Record]:
    return db(lambda conn: conn.fetch(
        "SELECT username, action, detail FROM audit_log WHERE target = $1", target))


def test_the_bookings_of_a_day_name_their_holders(live: LiveServer, staff: Person, db: DB,
                                                  bookings: list[int]) -> None:
    with staff.client(live.url) as client:
        response = client.get("/staff/bookings", params={"day": DAY.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["day"] == DAY.isoformat()
    assert [b["id"] for b in body["bookings"]] == bookings[:2]
    first = body["bookings"][0]
    assert (first["display_name"], first["username"], first["party_size"], first["status"]) == (
        "窓口 太郎", "desk-visitor", 3, "confirmed")
    assert first["start"].startswith(f"{DAY.isoformat()}T09:00:00") and first["room_name"]
    [row] = audit_rows(db, f"bookings_day:{DAY.isoformat()}")
    assert (row["username"], row["action"]) == ("desk-clerk", "read")


def test_one_facility_only(live: LiveServer, staff: Person, db: DB,
                           bookings: list[int]) -> None:
    facility = db(lambda conn: conn.fetchval(
        "SELECT r.facility_id FROM booking b JOIN room r ON r.id = b.room_id WHERE b.id = $1",
        bookings[1]))
    with staff.client(live.url) as client:
        response = client.get("/staff/bookings",
                              params={"day": DAY.isoformat(), "facility": facility})
    assert [b["id"] for b in response.json()["bookings"]] == [bookings[1]]


def test_a_malformed_day_is_a_problem_naming_it(live: LiveServer, staff: Person) -> None:
    with staff.client(live.url) as client:
        assert_problem(client.get("/staff/bookings", params={"day": "2027-13-45"}), 400, "day")
        assert_problem(client.get("/staff/bookings", params={"day": "tomorrow"}), 400, "day")
        assert_problem(client.get("/staff/bookings", params={"facility": "x"}), 400,
                       "facility")
        assert_problem(client.get("/staff/bookings", params={"room": "1"}), 400)


def test_citizens_and_visitors_may_not_read_them(live: LiveServer, citizen: Person) -> None:
    with citizen.client(live.url) as client:
        assert_problem(client.get("/staff/bookings"), 403)
        assert_problem(client.get("/staff/citizens/pending"), 403)
    with httpx.Client(base_url=live.url, timeout=30) as anonymous:
        assert_problem(anonymous.get("/staff/bookings"), 401)
        assert_problem(anonymous.get("/staff/citizens/pending"), 401)


def test_staff_see_the_rooms_the_public_no_longer_sees(live: LiveServer, staff: Person,
                                                      citizen: Person, db: DB) -> None:
    room = db(lambda conn: conn.fetchval("SELECT max(id) FROM room WHERE active"))
    with staff.client(live.url) as client:
        assert client.patch(f"/rooms/{room}", json={"active": False}).status_code == 200
        listed = {r["id"]: r["active"] for r in client.get("/staff/rooms").json()["rooms"]}
        assert_problem(client.get("/staff/rooms", params={"active": "all"}), 400)
        client.patch(f"/rooms/{room}", json={"active": True})
    with citizen.client(live.url) as client:
        assert_problem(client.get("/staff/rooms"), 403)
    assert listed[room] is False and len(listed) > 1


def test_pending_citizens_until_verified(live: LiveServer, staff: Person, citizen: Person,
                                         db: DB) -> None:
    db(lambda conn: make_person(conn, "desk-verified", address="中央1-1-1", verified=True))
    with staff.client(live.url) as client:
        pending = client.get("/staff/citizens/pending").json()["citizens"]
        mine = [c for c in pending if c["user_id"] == citizen.user_id]
        assert [(c["display_name"], c["address"]) for c in mine] == [("窓口 太郎", "中央3-1-1")]
        assert mine[0]["since"] and "desk-verified" not in {c["username"] for c in pending}
        assert client.post(f"/citizens/{citizen.user_id}/verify").status_code == 200
        after = client.get("/staff/citizens/pending").json()["citizens"]
    assert citizen.user_id not in {c["user_id"] for c in after}
    reads = audit_rows(db, "citizens_pending")
    assert [r["username"] for r in reads] == ["desk-clerk", "desk-clerk"]
