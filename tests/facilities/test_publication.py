"""Publication: the facilities with today's free/busy counts as an OGC API collection anyone may
read, with no personal data; its tiles change when a booking does; holder names never reach
other citizens through any route, and staff reads of holders are audited."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import asyncpg
import httpx
import morecantile

from gis_core.access import Role
from layers.facilities.rooms import JAPAN, load_room
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

LAYER = "/collections/facility_availability"
FIELDS = {"name", "kind", "category_ja", "rooms", "units_today", "booked_today", "free_today",
          "status_ja", "day", "is_sample"}
SECRET_NAME = "秘密 太郎"


def items(live: LiveServer) -> dict[int, dict]:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        response = client.get(f"{LAYER}/items", params={"limit": 1000})
    assert response.status_code == 200, response.text
    return {f["id"]: f for f in response.json()["features"]}


def test_the_collection_is_public_and_holds_no_personal_data(live: LiveServer, db: DB) -> None:
    with httpx.Client(base_url=live.url, timeout=30) as client:
        listed = {c["id"] for c in client.get("/collections").json()["collections"]}
        queryables = client.get(f"{LAYER}/queryables").json()["properties"]
    assert "facility_availability" in listed
    assert set(queryables) == FIELDS | {"geom"}
    features = items(live)
    with_rooms = db(lambda conn: conn.fetchval(
        "SELECT count(DISTINCT facility_id) FROM room WHERE active"))
    assert len(features) == with_rooms
    today = datetime.now(JAPAN).date().isoformat()
    for feature in features.values():
        props = feature["properties"]
        assert set(props) == FIELDS and props["day"] == today
        assert props["free_today"] + props["booked_today"] == props["units_today"]
        assert feature["geometry"]["type"] == "Point"


def _todays_unit(db: DB) -> tuple[int, int, datetime, datetime]:
    """A gym's room and one of today's units (sports halls open every day, holidays too)."""
    async def find(conn: asyncpg.Connection) -> tuple[int, int, datetime, datetime]:
        for room_id in await room_ids(conn, kind="gym"):
            room = await load_room(conn, room_id)
            if slots := room.slots(datetime.now(JAPAN).date()):
                return room.facility_id, room_id, slots[0].start, slots[0].end
        raise AssertionError("no gym opens today")
    return db(find)


def _tile_etag(client: httpx.Client, lon: float, lat: float) -> str:
    tile = morecantile.tms.get("WebMercatorQuad").tile(lon, lat, 15)
    response = client.get(f"{LAYER}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}")
    assert response.status_code == 200
    return response.headers["etag"]


def test_a_booking_today_changes_the_counts_and_the_tiles(live: LiveServer, db: DB) -> None:
    facility_id, room_id, start, end = _todays_unit(db)
    before = items(live)[facility_id]
    lon, lat = before["geometry"]["coordinates"]
    person = db(lambda conn: make_person(conn, "today-player", display_name=SECRET_NAME))
    with httpx.Client(base_url=live.url, timeout=30) as client:
        etag = _tile_etag(client, lon, lat)
        db(lambda conn: conn.execute(
            "INSERT INTO booking (room_id, user_id, period, status, source) "
            "VALUES ($1, $2, tstzrange($3, $4), 'confirmed', 'first_come')",
            room_id, person.user_id, start, end))
        deadline = time.monotonic() + 10
        while _tile_etag(client, lon, lat) == etag and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _tile_etag(client, lon, lat) != etag, "the tile cache kept the old counts"
    after = items(live)[facility_id]["properties"]
    assert after["booked_today"] == before["properties"]["booked_today"] + 1
    assert after["free_today"] == before["properties"]["free_today"] - 1
    assert SECRET_NAME not in str(items(live)) and "today-player" not in str(items(live))


def test_holders_never_reach_other_citizens(live: LiveServer, db: DB) -> None:
    room_id = db(lambda conn: room_ids(conn, kind="japanese_room"))[0]
    slot = db(lambda conn: slots_of(conn, room_id, days_ahead(3)))[1][0]
    holder = db(lambda conn: make_person(conn, "secret-holder", display_name=SECRET_NAME))
    other = db(lambda conn: make_person(conn, "curious-citizen"))
    staff = db(lambda conn: make_person(conn, "desk-staff", roles=(Role.FACILITY_STAFF,)))
    with holder.client(live.url) as client:
        made = client.post("/bookings", json=booking_body(room_id, slot)).json()
    day = slot.start.date().isoformat()
    span = {"start": slot.start.isoformat(), "end": (slot.end + timedelta(days=1)).isoformat()}
    with other.client(live.url) as client:
        seen = [client.get(f"/rooms/{room_id}/calendar", params={"start": day}),
                client.get("/facilities/availability", params=span),
                client.get(f"{LAYER}/items"), client.get(f"/rooms/{room_id}")]
        assert_problem(client.get(f"/bookings/{made['id']}"), 404, "bookingId")
        assert_problem(client.get(f"/rooms/{room_id}/bookings"), 403)
    for response in seen:
        assert response.status_code == 200
        assert SECRET_NAME not in response.text and "secret-holder" not in response.text
    with staff.client(live.url) as client:
        listed = client.get(f"/rooms/{room_id}/bookings",
                            params={"start": slot.start.isoformat(),
                                    "end": slot.end.isoformat()}).json()["bookings"]
        one = client.get(f"/bookings/{made['id']}").json()
        backwards = client.get(f"/rooms/{room_id}/bookings",  # found by the fuzz: was a 500
                               params={"start": slot.end.isoformat(),
                                       "end": slot.start.isoformat()})
        assert_problem(backwards, 400, "end")
    assert [b["display_name"] for b in listed] == [SECRET_NAME]
    assert one["holder_user_id"] == holder.user_id
    audited = db(lambda conn: conn.fetch(
        "SELECT action, target FROM audit_log WHERE username = 'desk-staff' ORDER BY id"))
    assert [(a["action"], a["target"]) for a in audited] == [
        ("read", f"room_bookings:{room_id}"), ("read", f"booking:{made['id']}")]


def test_a_new_day_bumps_the_layer_and_housekeeping_closes_old_waits(db: DB,
                                                                      fresh_module_db) -> None:
    from layers.facilities.service import housekeeping

    person = db(lambda conn: make_person(conn, "old-waiter"))
    room_id = db(lambda conn: room_ids(conn, kind="meeting_room"))[5]

    async def tick(conn: asyncpg.Connection) -> tuple[int, int, str]:
        await conn.execute(
            "INSERT INTO waitlist_entry (room_id, user_id, period, party_size) "
            "VALUES ($1, $2, tstzrange(now() - interval '2 hours', now() - interval '1 hour'), 1)",
            room_id, person.user_id)
        version = "SELECT version FROM layer_version WHERE layer_id = 'facility_availability'"
        before = await conn.fetchval(version)
        today = await housekeeping(conn, last_day=datetime.now(JAPAN).date() - timedelta(days=1))
        assert today == datetime.now(JAPAN).date()
        status = await conn.fetchval("SELECT status FROM waitlist_entry WHERE user_id = $1",
                                     person.user_id)
        return before, await conn.fetchval(version), status

    before, after, status = db(tick)
    assert after == before + 1 and status == "expired"


def test_booking_changes_leave_the_basemap_cache_alone() -> None:
    from api.app import stale_tilesets
    from layers import load_catalog

    catalog = load_catalog()
    assert stale_tilesets(catalog, "facility_availability") == {"facility_availability"}
    assert stale_tilesets(catalog, "facilities") == {"facilities", "basemap"}
