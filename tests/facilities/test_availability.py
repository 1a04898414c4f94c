"""Availability search by time, kind, capacity and place (within N m of a point, or in a
町丁目), as a list and as GeoJSON for the map; a room's calendar; bad parameters as problems."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from layers.facilities.rooms import JAPAN, at, load_room
from tests.conftest import LiveServer
from tests.facilities.conftest import DB
from tests.facilities.helpers import (
    assert_problem,
    booking_body,
    days_ahead,
    make_person,
    room_ids,
    slots_of,
)

HALL = (139.4265, 35.7454)


def span(days_from: int, days: int = 1) -> dict[str, str]:
    start = at(days_ahead(days_from), datetime.min.time())
    return {"start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat()}


def search(live: LiveServer, **params: object) -> httpx.Response:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        return client.get("/facilities/availability", params=params)


def test_search_by_kind_and_capacity_leaves_out_booked_units(live: LiveServer, db: DB) -> None:
    room_id = db(lambda conn: room_ids(conn, kind="japanese_room"))[0]
    room, slots = db(lambda conn: slots_of(conn, room_id, days_ahead(3)))
    slot = slots[0]
    day_span = {"start": at(slot.start.date(), datetime.min.time()).isoformat(),
                "end": at(slot.start.date() + timedelta(days=1), datetime.min.time()).isoformat()}
    before = search(live, kind="japanese_room", capacity=room.capacity, **day_span).json()
    assert before["rooms"] and all(r["kind"] == "japanese_room" and r["capacity"] >=
                                   room.capacity for r in before["rooms"])
    mine = next(r for r in before["rooms"] if r["room_id"] == room_id)
    assert slot.start.isoformat() in [f["start"] for f in mine["free"]]
    person = db(lambda conn: make_person(conn, "searcher"))
    with person.client(live.url) as client:
        assert client.post("/bookings", json=booking_body(room_id, slot)).status_code == 201
    after = search(live, kind="japanese_room", capacity=room.capacity, **day_span).json()
    mine_after = next(r for r in after["rooms"] if r["room_id"] == room_id)
    assert slot.start.isoformat() not in [f["start"] for f in mine_after["free"]]
    assert mine_after["free_count"] == mine["free_count"] - 1


def test_search_near_a_point_is_nearest_first_within_the_radius(live: LiveServer) -> None:
    found = search(live, lon=HALL[0], lat=HALL[1], radius=1500, **span(5)).json()["rooms"]
    distances = [r["distance_m"] for r in found]
    assert found and all(d <= 1500 for d in distances) and distances == sorted(distances)
    everywhere = search(live, **span(5)).json()["rooms"]
    assert len(everywhere) > len(found)


def test_search_in_a_chome_and_as_geojson_for_the_map(live: LiveServer, db: DB) -> None:
    chome = db(lambda conn: conn.fetchval(
        "SELECT a.name FROM chome_area a JOIN facility f ON ST_Intersects(a.geom, f.geom) "
        "JOIN room r ON r.facility_id = f.id GROUP BY a.name ORDER BY count(*) DESC LIMIT 1"))
    inside = db(lambda conn: conn.fetch(
        "SELECT DISTINCT f.id FROM chome_area a JOIN facility f ON ST_Intersects(a.geom, f.geom) "
        "WHERE a.name = $1", chome))
    found = search(live, chome=chome, **span(6, 7)).json()["rooms"]
    assert found and {r["facility_id"] for r in found} <= {r["id"] for r in inside}
    mapped = search(live, chome=chome, f="geojson", **span(6, 7))
    assert mapped.headers["content-type"] == "application/geo+json"
    features = mapped.json()["features"]
    assert {f["id"] for f in features} == {r["facility_id"] for r in found}
    assert features and all(f["geometry"]["type"] == "Point"
                            and f["properties"]["free_count"] > 0 for f in features)


BAD_SEARCHES = [
    ({"end": "2030-01-01T00:00:00+09:00"}, 400, "start"),
    ({"start": "2030-01-01T00:00:00", "end": "2030-01-02T00:00:00+09:00"}, 400, "start"),
    ({"start": "tomorrow", "end": "2030-01-02T00:00:00+09:00"}, 400, "start"),
    ({"start": "2030-01-02T00:00:00+09:00", "end": "2030-01-01T00:00:00+09:00"}, 422, "end"),
    ({"start": "2030-01-01T00:00:00+09:00", "end": "2030-03-01T00:00:00+09:00"}, 422, "end"),
    ({"lon": "139.4", **span(3)}, 400, "lat"),
    ({"lon": "139.4", "lat": "35.7", "radius": "0", **span(3)}, 400, "radius"),
    ({"lon": "east", "lat": "35.7", **span(3)}, 400, "lon"),
    ({"chome": "存在しない町一丁目", **span(3)}, 400, "chome"),
    ({"kind": "Gym!", **span(3)}, 400, "kind"),
    ({"capacity": "0", **span(3)}, 400, "capacity"),
    ({"colour": "red", **span(3)}, 400, "colour"),
]


@pytest.mark.parametrize(("params", "status", "parameter"), BAD_SEARCHES)
def test_bad_searches_name_the_parameter(live: LiveServer, params: dict, status: int,
                                         parameter: str) -> None:
    assert_problem(search(live, **params), status, parameter)


def test_the_calendar_says_why_a_day_is_closed(live: LiveServer, db: DB) -> None:
    room_id = db(lambda conn: room_ids(conn, kind="meeting_room"))[0]
    room = db(lambda conn: load_room(conn, room_id))
    monday = next(days_ahead(n) for n in range(2, 9) if days_ahead(n).isoweekday() == 1)
    with httpx.Client(base_url=live.url, timeout=30) as client:
        week = client.get(f"/rooms/{room_id}/calendar",
                          params={"start": monday.isoformat(),
                                  "end": (monday + timedelta(days=6)).isoformat()}).json()
        assert_problem(client.get(f"/rooms/{room_id}/calendar", params={"start": "soon"}),
                       400, "start")
        assert_problem(client.get("/rooms/999999/calendar"), 404, "roomId")
        assert_problem(client.get(f"/rooms/{room_id}/calendar",
                                  params={"start": "2030-01-01", "end": "2030-06-01"}),
                       422, "end")
    days = {d["date"]: d for d in week["days"]}
    assert days[monday.isoformat()]["closed"] == "定休日" and days[monday.isoformat()][
        "units"] == []
    tuesday = days[(monday + timedelta(days=1)).isoformat()]
    if tuesday["holiday"] is None:
        assert [u["label"] for u in tuesday["units"]] == [u.label for u in room.units]
        assert {u["state"] for u in tuesday["units"]} <= {"free", "booked", "mine"}
    assert week["room"]["name"] == room.name and datetime.now(JAPAN).year >= 2026
