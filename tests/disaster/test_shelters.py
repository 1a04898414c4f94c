"""Shelter operations: officers change status and occupancy; open maps hear of it within 2 s
(server-sent events over LISTEN/NOTIFY) and cached tiles are invalidated; audit; roles."""

from __future__ import annotations

import json
import queue
import threading
import time

import httpx
import morecantile
import pytest

from gis_core.database import psycopg_connect
from layers.disaster.shelters import StatusConflict, resolve_status
from tests.disaster.conftest import DisasterServer

TMS = morecantile.tms.get("WebMercatorQuad")


def _shelter(disaster: DisasterServer, name_like: str = "%小学校%") -> tuple[int, int, tuple]:
    with psycopg_connect(disaster.url) as conn:
        row = conn.execute("SELECT id, capacity, ST_X(geom), ST_Y(geom) FROM shelter "
                           "WHERE name LIKE %s ORDER BY id LIMIT 1", (name_like,)).fetchone()
    return row[0], row[1], (row[2], row[3])


class EventListener:
    """Reads the SSE stream in a thread; events land in a queue with their arrival time."""

    def __init__(self, base_url: str) -> None:
        self.events: queue.Queue[tuple[float, str, dict]] = queue.Queue()
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(base_url,), daemon=True)

    def _run(self, base_url: str) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as client, \
                client.stream("GET", "/shelters/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            event = ""
            for line in response.iter_lines():
                self.ready.set()
                if self._stop.is_set():
                    return
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.events.put((time.monotonic(), event, json.loads(line[6:])))

    def __enter__(self) -> EventListener:
        self._thread.start()
        assert self.ready.wait(10), "the stream did not open"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()


def _tile_etag(client: httpx.Client, lonlat: tuple[float, float]) -> str:
    tile = TMS.tile(*lonlat, 15)
    response = client.get(f"/collections/shelters/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}")
    assert response.status_code == 200
    return response.headers["ETag"]


def test_officer_update_reaches_open_maps_within_two_seconds(disaster: DisasterServer) -> None:
    shelter_id, capacity, lonlat = _shelter(disaster)
    with disaster.client() as public, disaster.client("disaster_officer") as officer:
        before = _tile_etag(public, lonlat)
        with EventListener(disaster.live.url) as listener:
            sent = time.monotonic()
            response = officer.patch(f"/shelters/{shelter_id}", json={"occupancy": capacity})
            assert response.status_code == 200, response.text
            arrived, event, data = listener.events.get(timeout=2)
        assert arrived - sent < 2.0
        assert event == "shelter" and data["id"] == shelter_id
        assert data["status"] == "full" and data["occupancy"] == capacity
        assert data["updated_by"] == "d_disaster_officer"
        deadline = time.monotonic() + 2
        while _tile_etag(public, lonlat) == before:
            assert time.monotonic() < deadline, "the shelters tile kept its ETag"
            time.sleep(0.05)
        feature = public.get(f"/collections/shelters/items/{shelter_id}").json()
        assert feature["properties"]["status"] == "full"


def test_occupancy_below_capacity_reopens_and_closed_stays_closed(disaster: DisasterServer
                                                                   ) -> None:
    shelter_id, capacity, _ = _shelter(disaster, "%中学校%")
    with disaster.client("admin") as admin:
        assert admin.patch(f"/shelters/{shelter_id}",
                           json={"occupancy": capacity + 5}).json()["status"] == "full"
        assert admin.patch(f"/shelters/{shelter_id}",
                           json={"occupancy": 10}).json()["status"] == "open"
        closed = admin.patch(f"/shelters/{shelter_id}",
                             json={"status": "closed", "accessibility": "step_free"}).json()
        assert closed["status"] == "closed" and closed["accessibility"] == "step_free"
        assert admin.patch(f"/shelters/{shelter_id}",
                           json={"occupancy": 0}).json()["status"] == "closed"
        assert admin.patch(f"/shelters/{shelter_id}",
                           json={"status": "open"}).json()["status"] == "open"


@pytest.mark.parametrize("body, name", [
    ({"occupancy": -1}, "occupancy"),
    ({"occupancy": "many"}, "occupancy"),
    ({"status": "maybe"}, "status"),
    ({"status": "full", "occupancy": 0}, "status"),
    ({"accessibility": "stairs"}, "accessibility"),
    ({"colour": "red"}, "colour"),
])
def test_invalid_updates_name_the_field(disaster: DisasterServer, body: dict, name: str) -> None:
    shelter_id, _, _ = _shelter(disaster)
    with disaster.client("disaster_officer") as officer:
        response = officer.patch(f"/shelters/{shelter_id}", json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalid-params"][0]["name"] == name


def test_unknown_shelter_is_404(disaster: DisasterServer) -> None:
    with disaster.client("disaster_officer") as officer:
        response = officer.patch("/shelters/999999", json={"occupancy": 1})
    assert response.status_code == 404
    assert response.json()["invalid-params"][0]["name"] == "shelterId"


@pytest.mark.parametrize("role, status", [(None, 401), ("citizen", 403), ("planner", 403)])
def test_only_officers_change_shelters(disaster: DisasterServer, role: str | None,
                                       status: int) -> None:
    shelter_id, _, _ = _shelter(disaster)
    with disaster.client(role) as client:
        response = client.patch(f"/shelters/{shelter_id}", json={"status": "closed"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_changes_are_audited(disaster: DisasterServer) -> None:
    shelter_id, _, _ = _shelter(disaster, "%公民館%")
    with disaster.client("disaster_officer") as officer:
        assert officer.patch(f"/shelters/{shelter_id}", json={"occupancy": 7}).status_code == 200
    with psycopg_connect(disaster.url) as conn:
        row = conn.execute(
            "SELECT username, action, detail->'before'->>'occupancy', "
            "detail->'after'->>'occupancy' FROM audit_log WHERE target = %s "
            "ORDER BY id DESC LIMIT 1", (f"shelters:{shelter_id}",)).fetchone()
    assert row == ("d_disaster_officer", "update", "0", "7")


@pytest.mark.parametrize("current, requested, occupancy, capacity, expected", [
    ("open", None, 100, 100, "full"),
    ("full", None, 99, 100, "open"),
    ("closed", None, 500, 100, "closed"),
    ("closed", "open", 10, 100, "open"),
    ("open", "full", 5, None, "full"),
    ("open", None, 5, None, "open"),
    ("open", "open", 100, 100, StatusConflict),
    ("open", "full", 99, 100, StatusConflict),
])
def test_full_policy(current: str, requested: str | None, occupancy: int,
                     capacity: int | None, expected: object) -> None:
    if expected is StatusConflict:
        with pytest.raises(StatusConflict):
            resolve_status(current, requested, occupancy, capacity)
    else:
        assert resolve_status(current, requested, occupancy, capacity) == expected
