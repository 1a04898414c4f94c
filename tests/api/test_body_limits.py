"""One request-size limit for every route, enforced while the body is read: a body past it is
refused with a 413 problem naming ``body`` — whether Content-Length says so at once or the bytes
keep coming chunked, and whether or not the route reads its body — and only the routes that take
files accept more."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.api.editing import Editing, editing_server, small_body_settings

LIMIT = 20_000
JSON_ROUTES = [  # (method, path, role): the routes a probe sent 50 MB bodies to, and more
    ("POST", "/auth/login", None), ("POST", "/bookings", "citizen1"),
    ("PUT", "/emergency", "officer"), ("POST", "/layers", "planner1"),
    ("PUT", "/me/profile", "citizen1"), ("POST", "/collections/facilities/items", "planner1"),
    ("POST", "/waitlist", "citizen1"), ("PATCH", "/shelters/1", "officer"),
    ("POST", "/rooms", "admin1"), ("POST", "/lottery/rounds", "admin1"),
]


@pytest.fixture(scope="module")
def editing(fresh_module_db: URL) -> Iterator[Editing]:
    with editing_server(fresh_module_db, small_body_settings(LIMIT)) as server:
        yield server


def _assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text[:200]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["invalid-params"][0]["name"] == "body"
    assert f"at most {LIMIT} bytes" in problem["detail"]


def _padding(size: int) -> bytes:
    return b'{"pad": "' + b"x" * size + b'"}'


@pytest.mark.parametrize(("method", "path", "role"), JSON_ROUTES)
def test_a_declared_body_past_the_limit_is_refused(editing: Editing, method: str, path: str,
                                                   role: str | None) -> None:
    response = editing.client(role).request(method, path, content=_padding(LIMIT),
                                            headers={"Content-Type": "application/json"})
    _assert_too_large(response)


@pytest.mark.parametrize(("method", "path", "role"), JSON_ROUTES[:4])
def test_a_chunked_body_is_cut_off_at_the_limit(editing: Editing, method: str, path: str,
                                                role: str | None) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        yield b'{"pad": "'
        for _ in range(100):
            yield b"x" * 8192

    try:
        response = editing.client(role).request(method, path, content=chunks(),
                                                headers={"Content-Type": "application/json"})
    except httpx.WriteError:
        return  # the server answered and closed while we were still sending: also a refusal
    _assert_too_large(response)


def test_a_route_that_reads_no_body_refuses_one_as_a_problem_too(editing: Editing) -> None:
    response = editing.client("planner1").post("/auth/logout", content=_padding(LIMIT),
                                               headers={"Content-Type": "application/json"})
    _assert_too_large(response)


def test_a_file_may_be_larger_where_a_route_takes_files(editing: Editing) -> None:
    rows = "lon,lat,name\n" + "".join(f"139.43,35.745,掲示板{n}\n" for n in range(1500))
    assert len(rows.encode()) > LIMIT
    response = editing.client("planner1").post(
        "/layers/import", data={"id": "big_boards", "title_ja": "掲示板", "crs": "EPSG:4326"},
        files={"file": ("boards.csv", rows.encode(), "text/csv")})
    assert response.status_code == 201, response.text[:300]
