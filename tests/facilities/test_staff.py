"""Staff manage rooms (units, opening hours, closed days), verify addresses, and suspend a
facility — the hook the disaster domain calls when a facility opens as a shelter."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gis_core.access import Role
from layers.facilities import booking
from layers.facilities.schemas import BookingIn
from layers.facilities.service import lift_suspension, suspend_facility
from tests.conftest import LiveServer
from tests.facilities.conftest import DB
from tests.facilities.helpers import (
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
def staff(db: DB) -> Person:
    return db(lambda conn: make_person(conn, "room-keeper", roles=(Role.FACILITY_STAFF,)))


@pytest.fixture(scope="module")
def citizen(db: DB) -> Person:
    return db(lambda conn: make_person(conn, "room-user"))


NEW_ROOM = {
    "facility_id": 2, "name": "多目的室（試験）", "kind": "studio", "capacity": 12, "fee_yen": 300,
    "equipment": ["鏡"], "closed_on_holidays": False,
    "units": [{"label": f"{h}時", "starts": f"{h:02d}:00", "ends": f"{h + 1:02d}:00"}
              for h in range(9, 17)],
    "hours": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)],
}


def test_staff_create_and_change_a_room(live: LiveServer, staff: Person, citizen: Person) -> None:
    with citizen.client(live.url) as client:
        assert_problem(client.post("/rooms", json=NEW_ROOM), 403)
    with staff.client(live.url) as client:
        created = client.post("/rooms", json=NEW_ROOM)
        assert created.status_code == 201, created.text
        room = created.json()
        assert (room["name"], len(room["units"]), room["hours"]["7"]) == (
            "多目的室（試験）", 8, {"opens": "09:00", "closes": "17:00"})
        assert_problem(client.post("/rooms", json=NEW_ROOM), 409, "name")
        overlapping = {**NEW_ROOM, "name": "重なり", "units": [
            {"label": "A", "starts": "09:00", "ends": "11:00"},
            {"label": "B", "starts": "10:00", "ends": "12:00"}]}
        assert_problem(client.post("/rooms", json=overlapping), 422, "units")
        changed = client.patch(f"/rooms/{room['id']}", json={
            "capacity": 20, "hours": [{"weekday": d, "opens": "10:00", "closes": "16:00"}
                                      for d in range(1, 7)]})
        assert changed.status_code == 200, changed.text
        late = client.patch(f"/rooms/{room['id']}", json={
            "fee_yen": 1, "units": [{"label": "夜", "starts": "15:00", "ends": "17:00"}]})
        assert "夜 15:00–17:00" in assert_problem(late, 422, "units")["detail"]
        never = {**NEW_ROOM, "name": "遅すぎ", "units": [
            {"label": "夜", "starts": "17:00", "ends": "18:00"}]}
        assert_problem(client.post("/rooms", json=never), 422, "units")
        backwards = client.patch(f"/rooms/{room['id']}", json={  # found by the fuzz: was a 500
            "hours": [{"weekday": 1, "opens": "17:00", "closes": "09:00"}]})
        assert backwards.status_code == 400, backwards.text
        kept = client.get(f"/rooms/{room['id']}").json()  # the refused change left it as it was
        assert (kept["fee_yen"], len(kept["units"])) == (300, 8)
    body = changed.json()
    assert body["capacity"] == 20 and "7" not in body["hours"]
    with citizen.client(live.url) as client:
        listed = client.get("/rooms", params={"facility_id": 2}).json()["rooms"]
        week = client.get(f"/rooms/{room['id']}/calendar",
                          params={"start": days_ahead(2).isoformat(),
                                  "end": days_ahead(8).isoformat()}).json()["days"]
    assert room["id"] in [r["id"] for r in listed]
    sunday = next(d for d in week if d["weekday_ja"] == "日")
    assert sunday["closed"] == "定休日"
    weekday = next(d for d in week if d["weekday_ja"] == "水" and not d["holiday"])
    assert [u["label"] for u in weekday["units"]] == [f"{h}時" for h in range(10, 16)]


def test_closed_days_and_retiring_rooms(live: LiveServer, staff: Person, citizen: Person,
                                        db: DB) -> None:
    room_id = db(lambda conn: room_ids(conn, kind="meeting_room"))[3]
    slots = db(lambda conn: slots_of(conn, room_id, days_ahead(3)))[1]
    booked, closing = slots[0], next(s for s in slots if s.start.date() > slots[0].start.date())
    with citizen.client(live.url) as client:
        assert client.post("/bookings", json=booking_body(room_id, booked)).status_code == 201
    with staff.client(live.url) as client:
        held = client.post(f"/rooms/{room_id}/closures",
                           json={"day": booked.start.date().isoformat(), "reason": "点検"})
        assert_problem(held, 409, "day")
        closed = client.post(f"/rooms/{room_id}/closures",
                             json={"day": closing.start.date().isoformat(), "reason": "設備点検"})
        assert {"day": closing.start.date().isoformat(), "reason": "設備点検"} in \
            closed.json()["closures"]
    with citizen.client(live.url) as client:
        refused = client.post("/bookings", json=booking_body(room_id, closing))
        assert "設備点検" in assert_problem(refused, 422, "start")["detail"]
    with staff.client(live.url) as client:
        reopened = client.delete(f"/rooms/{room_id}/closures/{closing.start.date()}")
        assert reopened.status_code == 200 and reopened.json()["closures"] == []
        assert client.delete(f"/rooms/{room_id}").json() == {"id": room_id, "deleted": False,
                                                             "active": False}
    with citizen.client(live.url) as client:
        assert_problem(client.post("/bookings", json=booking_body(room_id, closing)), 404,
                       "room_id")


def test_staff_verify_an_address_and_a_new_address_needs_it_again(
        live: LiveServer, staff: Person, citizen: Person) -> None:
    with citizen.client(live.url) as client:
        assert client.get("/me/profile").json() == {
            "address": None, "verified": False, "verified_at": None, "updated_at": None}
        given = client.put("/me/profile", json={"address": "東京都東大和市中央三丁目７番地"})
        assert given.json()["verified"] is False
    with staff.client(live.url) as client:
        assert client.post(f"/citizens/{citizen.user_id}/verify").json()["verified"] is True
    with citizen.client(live.url) as client:
        same = client.put("/me/profile", json={"address": "中央3-7"})  # the same, spelt anew
        assert same.json()["verified"] is True
        moved = client.put("/me/profile", json={"address": "南街五丁目1番"})
        assert moved.json()["verified"] is False


def test_suspending_a_facility_cancels_blocks_and_tells_holders(
        live: LiveServer, db: DB, mail: tuple[Mailbox, int]) -> None:
    room_id = db(lambda conn: room_ids(conn, kind="meeting_room"))[4]
    slots = db(lambda conn: slots_of(conn, room_id, days_ahead(3)))[1]
    inside, outside = slots[0], next(s for s in slots if s.start.date() >
                                     slots[0].start.date() + timedelta(days=2))
    holder = db(lambda conn: make_person(conn, "evacuated"))
    late = db(lambda conn: make_person(conn, "too-late"))
    facility_id = db(lambda conn: conn.fetchval("SELECT facility_id FROM room WHERE id = $1",
                                                room_id))
    request = BookingIn(room_id=room_id, start=inside.start, end=inside.end)
    made = db(lambda conn: booking.book(conn, holder.user_id, request))
    start = inside.start.replace(hour=0)
    suspension = db(lambda conn: suspend_facility(conn, facility_id, start,
                                                  start + timedelta(days=2), "避難所の開設"))
    assert suspension["bookings_suspended"] == [made["id"]] and room_id in \
        suspension["rooms_blocked"]
    assert db(lambda conn: booking.find_booking(conn, made["id"], None))["status"] == \
        "suspended"
    with pytest.raises(booking.SlotTaken):
        db(lambda conn: booking.book(conn, late.user_id, request))
    outside_request = BookingIn(room_id=room_id, start=outside.start, end=outside.end)
    assert db(lambda conn: booking.book(conn, late.user_id, outside_request))["id"]
    # queued outside any request: the outbox announces itself on commit (no kick needed)
    told = mail[0].wait_for(holder.email, 2)[-1]
    assert told.subject == "【東大和市】施設の利用停止による予約取消しのお知らせ"
    assert "避難所の開設" in told.body
    db(lambda conn: lift_suspension(conn, suspension["id"]))
    assert db(lambda conn: booking.book(conn, late.user_id, request))["status"] == "confirmed"


def test_disaster_officers_may_suspend_over_http(live: LiveServer, db: DB,
                                                 citizen: Person) -> None:
    officer = db(lambda conn: make_person(conn, "officer", roles=(Role.DISASTER_OFFICER,)))
    body = {"start": (days_ahead(60).isoformat() + "T00:00:00+09:00"),
            "end": (days_ahead(61).isoformat() + "T00:00:00+09:00"), "reason": "避難所の開設"}
    with citizen.client(live.url) as client:
        assert_problem(client.post("/facilities/5/suspensions", json=body), 403)
    with officer.client(live.url) as client:
        made = client.post("/facilities/5/suspensions", json=body)
        assert made.status_code == 201, made.text
        assert made.json()["rooms_blocked"]
        lifted = client.post(f"/suspensions/{made.json()['id']}/lift")
        assert lifted.json()["lifted"] is True
        naive = client.post("/facilities/5/suspensions",
                            json={**body, "end": body["end"].replace("+09:00", "")})
        assert_problem(naive, 400, "end")
