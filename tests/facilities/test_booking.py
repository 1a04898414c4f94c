"""First-come bookings against the real PostGIS: the database refuses overlaps (also a raw
INSERT that bypasses Python), cancellation promotes the waiting list and emails, per-person
limits, and every kind of bad input is a problem document naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import psycopg
import pytest
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from gis_core.errors import RuleViolation
from layers.facilities import booking as booking_service
from layers.facilities.ledger import MAX_ACTIVE
from layers.facilities.rooms import JAPAN, at, check_request, holiday_name, load_room
from layers.facilities.schemas import BookingIn
from tests.conftest import LiveServer
from tests.facilities.conftest import DB
from tests.facilities.helpers import (
    PASSWORD,
    Mailbox,
    Person,
    assert_problem,
    booking_body,
    days_ahead,
    make_person,
    room_ids,
    slots_of,
)


@pytest.fixture(scope="module")
def people(db: DB) -> dict[str, Person]:
    async def make(conn: asyncpg.Connection) -> dict[str, Person]:
        return {name: await make_person(conn, name) for name in
                ("hanako", "taro", "jiro", "saburo", "shiro", "goro")}
    return db(make)


@pytest.fixture(scope="module")
def rooms(db: DB) -> list[int]:
    return db(lambda conn: room_ids(conn, kind="meeting_room"))


def slots(db: DB, room_id: int, ahead: int = 3, days: int = 30) -> list:
    return db(lambda conn: slots_of(conn, room_id, days_ahead(ahead), days))[1]


# --- the database, not Python, refuses overlaps --------------------------------------------------

def test_a_raw_insert_of_an_overlap_is_refused_by_the_database(fresh_module_db: URL,
                                                               people: dict[str, Person],
                                                               rooms: list[int], db: DB) -> None:
    room, user = rooms[0], people["hanako"].user_id
    start = at(days_ahead(5), datetime.min.time().replace(hour=9))
    insert = ("INSERT INTO booking (room_id, user_id, period, status, source) "
              "VALUES (%s, %s, tstzrange(%s, %s), %s, 'first_come')")
    with psycopg_connect(fresh_module_db, autocommit=True) as conn:
        conn.execute(insert, (room, user, start, start + timedelta(hours=3), "confirmed"))
        with pytest.raises(psycopg.errors.ExclusionViolation, match="booking_no_overlap"):
            conn.execute(insert, (room, user, start + timedelta(hours=1),
                                  start + timedelta(hours=2), "confirmed"))
        with pytest.raises(psycopg.errors.ExclusionViolation):  # a lottery win holds too
            conn.execute("INSERT INTO booking (room_id, user_id, period, status, source, "
                         "confirm_by) VALUES (%s, %s, tstzrange(%s, %s), 'won', 'lottery', "
                         "now())", (room, user, start, start + timedelta(hours=1)))
        # touching is not overlapping, and cancelled bookings hold nothing
        conn.execute(insert, (room, user, start + timedelta(hours=3),
                              start + timedelta(hours=4), "confirmed"))
        conn.execute(insert, (room, user, start, start + timedelta(hours=3), "cancelled"))
        count = conn.execute("SELECT count(*) FROM booking WHERE room_id = %s",
                             (room,)).fetchone()[0]
    assert count == 3


def test_book_then_double_submission_is_409(live: LiveServer, people: dict[str, Person],
                                            rooms: list[int], db: DB) -> None:
    slot = slots(db, rooms[1])[0]
    with people["hanako"].client(live.url) as client:
        created = client.post("/bookings", json=booking_body(rooms[1], slot, party_size=5))
        assert created.status_code == 201, created.text
        doc = created.json()
        assert doc["status"] == "confirmed" and doc["source"] == "first_come"
        assert doc["start"] == slot.start.isoformat() and doc["start"].endswith("+09:00")
        assert created.headers["location"] == f"/bookings/{doc['id']}"
        again = client.post("/bookings", json=booking_body(rooms[1], slot, party_size=5))
    body = assert_problem(again, 409, "start")
    assert body["type"] == "/problems/slot-taken" and str(doc["id"]) in body["detail"]


def test_another_citizen_gets_409_and_never_the_holder(live: LiveServer,
                                                       people: dict[str, Person],
                                                       rooms: list[int], db: DB) -> None:
    slot = slots(db, rooms[2])[0]
    with people["hanako"].client(live.url) as holder:
        booked = holder.post("/bookings", json=booking_body(rooms[2], slot))
        assert booked.status_code == 201
        mine = holder.get(f"/rooms/{rooms[2]}/calendar",
                          params={"start": slot.start.date().isoformat()}).json()
    with people["taro"].client(live.url) as other:
        refused = other.post("/bookings", json=booking_body(rooms[2], slot))
        theirs = other.get(f"/rooms/{rooms[2]}/calendar",
                           params={"start": slot.start.date().isoformat()})
        peek = other.get(f"/bookings/{booked.json()['id']}")
    assert_problem(refused, 409, "start")
    assert "hanako" not in refused.text and "市民" not in refused.text
    states = {u["start"]: u["state"] for d in theirs.json()["days"] for u in d["units"]}
    assert states[slot.start.isoformat()] == "booked"
    assert {u["start"]: u["state"] for d in mine["days"] for u in d["units"]}[
        slot.start.isoformat()] == "mine"
    assert "hanako" not in theirs.text and "市民" not in theirs.text
    assert_problem(peek, 404, "bookingId")


def test_cancel_promotes_the_waiting_list_and_emails(live: LiveServer, people: dict[str, Person],
                                                     rooms: list[int], db: DB,
                                                     mail: tuple[Mailbox, int]) -> None:
    mailbox = mail[0]
    slot = slots(db, rooms[3])[0]
    holder, first, second = people["jiro"], people["saburo"], people["shiro"]
    with holder.client(live.url) as client:
        booking_id = client.post("/bookings", json=booking_body(rooms[3], slot)).json()["id"]
    with first.client(live.url) as client:
        waiting = client.post("/waitlist", json=booking_body(rooms[3], slot))
        assert waiting.status_code == 201 and waiting.json()["position"] == 1
    with second.client(live.url) as client:
        assert client.post("/waitlist", json=booking_body(rooms[3], slot)).json()["position"] == 2
    with holder.client(live.url) as client:
        cancelled = client.post(f"/bookings/{booking_id}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with first.client(live.url) as client:
        promoted = [b for b in client.get("/me/bookings").json()["bookings"]
                    if b["room_id"] == rooms[3]]
        entries = client.get("/me/waitlist").json()["entries"]
    assert [(b["source"], b["status"], b["start"]) for b in promoted] == [
        ("waitlist", "confirmed", slot.start.isoformat())]
    assert entries[0]["status"] == "promoted" and entries[0]["booking_id"] == promoted[0]["id"]
    with second.client(live.url) as client:
        assert client.get("/me/waitlist").json()["entries"][0]["position"] == 1
    assert "取り消しました" in mailbox.wait_for(holder.email, 2)[-1].subject
    promoted_mail = mailbox.wait_for(first.email)[0]
    assert promoted_mail.subject == "【東大和市】キャンセル待ちの予約が確定しました"
    assert f"予約番号：{promoted[0]['id']}" in promoted_mail.body


def test_join_the_waiting_list_only_for_a_taken_time(live: LiveServer,
                                                     people: dict[str, Person],
                                                     rooms: list[int], db: DB) -> None:
    slot = slots(db, rooms[4])[0]
    with people["goro"].client(live.url) as client:
        free = client.post("/waitlist", json=booking_body(rooms[4], slot))
    assert assert_problem(free, 409, "start")["type"] == "/problems/slot-free"


def test_per_person_limit(live: LiveServer, db: DB, rooms: list[int]) -> None:
    person = db(lambda conn: make_person(conn, "busy-person"))
    available = slots(db, rooms[5])
    with person.client(live.url) as client:
        for slot in available[:MAX_ACTIVE]:
            assert client.post("/bookings", json=booking_body(rooms[5], slot)).status_code == 201
        over = client.post("/bookings", json=booking_body(rooms[5], available[MAX_ACTIVE]))
    body = assert_problem(over, 409)
    assert body["type"] == "/problems/limit-reached" and f"at most {MAX_ACTIVE}" in body["detail"]


def test_cancel_then_rebook_is_capped(live: LiveServer, db: DB, rooms: list[int]) -> None:
    person = db(lambda conn: make_person(conn, "flipper"))
    available = slots(db, rooms[6])
    with person.client(live.url) as client:
        first = client.post("/bookings", json=booking_body(rooms[6], available[0])).json()
        assert client.post(f"/bookings/{first['id']}/cancel").status_code == 200
        rebook = client.post("/bookings", json=booking_body(rooms[6], available[0]))
        assert assert_problem(rebook, 409, "start")["type"] == "/problems/limit-reached"
        for slot in available[1:3]:
            made = client.post("/bookings", json=booking_body(rooms[6], slot)).json()
            assert client.post(f"/bookings/{made['id']}/cancel").status_code == 200
        paused = client.post("/bookings", json=booking_body(rooms[6], available[5]))
    assert "3 cancellations" in assert_problem(paused, 409)["detail"]


def test_change_moves_the_booking_and_frees_the_old_time(live: LiveServer, db: DB,
                                                         rooms: list[int]) -> None:
    person = db(lambda conn: make_person(conn, "mover"))
    old, new = slots(db, rooms[7])[:2]
    with person.client(live.url) as client:
        made = client.post("/bookings", json=booking_body(rooms[7], old)).json()
        moved = client.patch(f"/bookings/{made['id']}",
                             json={"start": new.start.isoformat(), "end": new.end.isoformat()})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["id"], moved.json()["start"]) == (made["id"], new.start.isoformat())
        calendar = client.get(f"/rooms/{rooms[7]}/calendar",
                              params={"start": old.start.date().isoformat(),
                                      "end": new.start.date().isoformat()}).json()
    states = {u["start"]: u["state"] for d in calendar["days"] for u in d["units"]}
    assert (states[old.start.isoformat()], states[new.start.isoformat()]) == ("free", "mine")


# --- bad input -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def asker(db: DB) -> Person:
    return db(lambda conn: make_person(conn, "asker"))


def _bad_bodies(room_id: int, slot, capacity: int) -> list[tuple[str, dict, int, str]]:
    start, end = slot.start, slot.end
    past = start - timedelta(days=30)
    return [
        ("past date", booking_body(room_id, slot) | {
            "start": past.isoformat(), "end": (end - timedelta(days=30)).isoformat()},
         422, "start"),
        ("over capacity", booking_body(room_id, slot, party_size=capacity + 1), 422,
         "party_size"),
        ("unknown room", booking_body(999_999, slot), 404, "room_id"),
        ("room id overflows", booking_body(2**40, slot), 400, "room_id"),
        ("naive time", booking_body(room_id, slot) | {
            "start": start.replace(tzinfo=None).isoformat()}, 400, "start"),
        ("malformed time", booking_body(room_id, slot) | {"end": "明日の午後"}, 400, "end"),
        ("end before start", booking_body(room_id, slot) | {"end": start.isoformat()}, 422,
         "end"),
        ("not a unit boundary", booking_body(room_id, slot) | {
            "start": (start + timedelta(minutes=30)).isoformat()}, 422, "start"),
        ("outside opening hours", booking_body(room_id, slot) | {
            "start": start.replace(hour=6).isoformat(),
            "end": start.replace(hour=7).isoformat()}, 422, "start"),
        ("over two days", booking_body(room_id, slot) | {
            "end": (end + timedelta(days=1)).isoformat()}, 422, "end"),
        ("unknown field", booking_body(room_id, slot, colour="red"), 400, "colour"),
        ("zero people", booking_body(room_id, slot, party_size=0), 400, "party_size"),
    ]


def test_bad_bookings_are_problems_naming_the_field(live: LiveServer, db: DB, asker: Person,
                                                    rooms: list[int]) -> None:
    room_id = rooms[8]
    room, available = db(lambda conn: slots_of(conn, room_id, days_ahead(3)))
    with asker.client(live.url) as client:
        for label, body, status, field in _bad_bodies(room_id, available[0], room.capacity):
            response = client.post("/bookings", json=body)
            assert response.status_code == status, (label, response.text)
            assert_problem(response, status, field)
        assert client.get("/me/bookings").json()["bookings"] == []


def test_malformed_json_is_a_problem(live: LiveServer, asker: Person) -> None:
    with asker.client(live.url) as client:
        response = client.post("/bookings", content=b"{not json",
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_holiday_closure_of_a_real_2027_holiday(db: DB, rooms: list[int]) -> None:
    """建国記念の日 2027-02-11 (a Thursday) from the holidays package closes rooms that close on
    holidays; seen from 2027-01-15, so the date stays in the future."""
    room = db(lambda conn: load_room(conn, rooms[0]))
    assert room.closed_on_holidays and holiday_name(datetime(2027, 2, 11).date()) == "建国記念の日"
    day = datetime(2027, 2, 11).date()
    start = at(day, room.units[0].starts)
    request = BookingIn(room_id=room.id, start=start, end=at(day, room.units[0].ends))
    now = datetime(2027, 1, 15, tzinfo=UTC)
    with pytest.raises(RuleViolation, match="建国記念の日") as refused:
        check_request(room, request.start, request.end, 1, now)
    assert refused.value.field == "start"
    assert room.slots(day) == [] and room.slots(day + timedelta(days=1))  # Friday opens


def test_the_next_holiday_is_closed_over_http(live: LiveServer, asker: Person, db: DB,
                                              rooms: list[int]) -> None:
    room = db(lambda conn: load_room(conn, rooms[0]))
    day = next(days_ahead(n) for n in range(2, 90) if holiday_name(days_ahead(n))
               and days_ahead(n).isoweekday() in room.hours)
    hours = room.hours[day.isoweekday()]
    body = {"room_id": room.id, "start": at(day, hours[0]).isoformat(),
            "end": at(day, room.units[0].ends).isoformat()}
    with asker.client(live.url) as client:
        refused = client.post("/bookings", json=body)
    assert holiday_name(day) in assert_problem(refused, 422, "start")["detail"]


def test_a_lottery_room_is_not_first_come_before_its_draw(live: LiveServer, asker: Person,
                                                          db: DB) -> None:
    court = db(lambda conn: room_ids(conn, lottery=True, kind="court"))[0]
    _room, available = db(lambda conn: slots_of(conn, court, days_ahead(70), 10))
    with asker.client(live.url) as client:
        refused = client.post("/bookings", json=booking_body(court, available[0]))
    assert assert_problem(refused, 409, "start")["type"] == "/problems/lottery-month"


def test_service_refuses_a_past_booking_with_the_field(db: DB, asker: Person,
                                                       rooms: list[int]) -> None:
    room, available = db(lambda conn: slots_of(conn, rooms[9], days_ahead(3)))
    request = BookingIn(room_id=room.id, start=available[0].start, end=available[0].end)
    later = available[0].end.astimezone(JAPAN) + timedelta(days=1)
    with pytest.raises(RuleViolation) as refused:
        db(lambda conn: booking_service.book(conn, asker.user_id, request, now=later))
    assert refused.value.field == "start" and "past" in refused.value.message


def test_a_web_session_books_with_its_csrf_token(live: LiveServer, db: DB,
                                                 rooms: list[int]) -> None:
    person = db(lambda conn: make_person(conn, "web-user"))
    slot = slots(db, rooms[10])[0]
    with httpx.Client(base_url=live.url, timeout=30) as browser:
        csrf = browser.post("/auth/login", json={"username": "web-user",
                                                 "password": PASSWORD}).json()["csrf_token"]
        forged = browser.post("/bookings", json=booking_body(rooms[10], slot))
        assert_problem(forged, 403, "X-CSRF-Token")
        made = browser.post("/bookings", json=booking_body(rooms[10], slot),
                            headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201 and made.json()["room_id"] == rooms[10]
    assert person.user_id
