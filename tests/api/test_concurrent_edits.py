"""Concurrent edits over real HTTP: clients that read the same version and write at once —
exactly one wins, the others get 412, and the history holds exactly one new version."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.api.editing import Editing, editing_server

WRITERS = 8
GEOJSON = {"Content-Type": "application/geo+json"}


@pytest.fixture
def editing(fresh_db_url: URL) -> Iterator[Editing]:
    with editing_server(fresh_db_url) as server:
        yield server


def all_at_once(requests: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run the requests in threads released together by a barrier."""
    barrier = threading.Barrier(len(requests))

    def run(request: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait(timeout=30)
        return request()
    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, requests))


def shelter(editing: Editing) -> tuple[str, httpx.Response]:
    reader = editing.client("planner1")
    fid = reader.get("/collections/shelters/items?limit=1").json()["features"][0]["id"]
    url = f"/collections/shelters/items/{fid}"
    return url, reader.get(url)


def versions_of(editing: Editing, url: str) -> list[int]:
    doc = editing.client("planner1").get(f"{url}/versions").json()
    return [v["version"] for v in doc["versions"]]


def test_same_if_match_at_once_exactly_one_wins(editing: Editing) -> None:
    url, read = shelter(editing)
    before = versions_of(editing, url)
    users = ["planner1", "planner2", "officer", "admin1"] * (WRITERS // 4)

    def put(n: int) -> Callable[[], httpx.Response]:
        body = {**read.json(), "properties": {**read.json()["properties"], "capacity": 100 + n}}
        client = editing.client(users[n])
        return lambda: client.put(url, json=body,
                                  headers={**GEOJSON, "If-Match": read.headers["etag"]})
    responses = all_at_once([put(n) for n in range(WRITERS)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (WRITERS - 1), [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    after = versions_of(editing, url)
    assert after == [*before, before[-1] + 1]
    stored = editing.client().get(url).json()["properties"]["capacity"]
    assert stored == winner.json()["properties"]["capacity"]
    assert responses and all(r.headers["etag"] == winner.headers["etag"] for r in responses)


def test_stale_copies_without_if_match_lose_too(editing: Editing) -> None:
    """QGIS-style writes (the version in the body, no If-Match) from two people at once."""
    url, read = shelter(editing)
    before = versions_of(editing, url)

    def put(user: str, name: str) -> Callable[[], httpx.Response]:
        body = {**read.json(), "properties": {**read.json()["properties"], "name": name}}
        client = editing.client(user)
        return lambda: client.put(url, json=body, headers=GEOJSON)
    responses = all_at_once([put("planner1", "一"), put("planner2", "二"), put("officer", "三")])
    assert sorted(r.status_code for r in responses) == [200, 412, 412]
    assert versions_of(editing, url) == [*before, before[-1] + 1]


def test_a_delete_and_a_replace_at_once(editing: Editing) -> None:
    url, read = shelter(editing)
    tag = read.headers["etag"]
    deleter, replacer = editing.client("planner1"), editing.client("planner2")
    responses = all_at_once([
        lambda: deleter.delete(url, headers={"If-Match": tag}),
        lambda: replacer.put(url, json=read.json(), headers={**GEOJSON, "If-Match": tag}),
    ])
    assert sorted(r.status_code for r in responses) in ([204, 404], [200, 412])
