"""The security headers (api.security_headers, issue 12): the Content-Security-Policy and
framing refusal on every page, nosniff and the referrer policy on everything, no-store on what
signed-in callers read while public tiles keep their caching — and, in Chromium with the
policy enforced, every page and export still works with no violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import morecantile
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from tests.api.editing import PASSWORD, Editing, editing_server
from tests.browser import browser_page, chromium
from tests.helpers import run_db

HALL = (139.4265, 35.7454)
TILE = morecantile.tms.get("WebMercatorQuad").tile(*HALL, 14)
PAGES = ["/", "/bousai", "/yoyaku", "/yoyaku/chusen", "/login", "/collections?f=html",
         "/collections/shelters/items?f=html", "/collections/facilities/map.html"]
STAFF_PAGES = {"/editor": "planner1", "/disaster/dashboard": "officer",
               "/exposure/map.html": "officer", "/yoyaku/kanri": "h_staff",
               "/audit?f=html": "admin1"}


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[Editing]:
    async def staff(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "h_staff", PASSWORD, "施設 職員", {Role.FACILITY_STAFF})
    run_db(fresh_module_db, staff)
    with editing_server(fresh_module_db) as editing:
        yield editing


def session(editing: Editing, username: str) -> httpx.Client:
    client = editing.client(headers={"Accept": "text/html"})
    answer = client.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"  # it sets the session cookie
    return client


def assert_page_headers(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_every_page_refuses_inline_scripts_and_framing(server: Editing) -> None:
    anonymous = server.client(headers={"Accept": "text/html"})
    for path in PAGES:
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert_page_headers(response)
    for path, username in STAFF_PAGES.items():
        assert_page_headers(anonymous.get(path))  # the redirect to the login, or the refusal
        response = session(server, username).get(path)
        assert response.status_code == 200, path
        assert_page_headers(response)
        assert response.headers["cache-control"] == "no-store", path


def test_the_exports_allow_only_their_own_inline_scripts(server: Editing) -> None:
    policy = server.client().get("/collections/shelters/map.html").headers[
        "content-security-policy"]
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert script_src.split()[1] == "'self'" and len(script_src.split()) == 4  # Leaflet, map
    assert all(source.startswith("'sha256-") for source in script_src.split()[2:])


def test_json_and_tiles_are_not_sniffed_and_public_tiles_stay_cacheable(server: Editing
                                                                        ) -> None:
    anonymous = server.client()
    collections = anonymous.get("/collections")
    assert collections.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in collections.headers.get("cache-control", "")
    tile_path = f"/collections/shelters/tiles/WebMercatorQuad/{TILE.z}/{TILE.y}/{TILE.x}"
    for client in (anonymous, server.client("officer")):
        tile = client.get(tile_path)
        assert tile.status_code in (200, 204)
        assert tile.headers["x-content-type-options"] == "nosniff"
        assert tile.headers["cache-control"].startswith("public, max-age=")


@pytest.mark.parametrize("path, user", [
    ("/auth/me", "citizen1"), ("/me/bookings", "citizen1"), ("/me/profile", "citizen1"),
    ("/reports", "officer"), ("/audit", "admin1"), ("/staff/bookings", "admin1"),
    ("/collections/casework_sites/items", "caseworker"),
])
def test_what_a_signed_in_caller_reads_is_not_stored(server: Editing, path: str,
                                                     user: str) -> None:
    with_token = server.client(user).get(path)
    assert with_token.headers["cache-control"] == "no-store", with_token.text
    with_session = session(server, user).get(path, headers={"Accept": "application/json"})
    assert with_session.headers["cache-control"] == "no-store"


def test_a_stream_keeps_streaming_with_the_headers(server: Editing) -> None:
    with server.client().stream("GET", "/shelters/events") as events:
        assert events.headers["x-content-type-options"] == "nosniff"
        assert events.headers["content-type"].startswith("text/event-stream")


# --- in Chromium, with the policy enforced ---------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as found:
        yield found


def csp_violations(errors: list[str]) -> list[str]:
    return [e for e in errors if "Content Security Policy" in e or "Refused to" in e]


WORKS = {  # what shows that a page did its work
    "/": "#map canvas.maplibregl-canvas, #layer-list li",
    "/bousai": "#place-select option:nth-child(2)",
    "/yoyaku": "#results-map canvas, #kind option:nth-child(2)",
    "/yoyaku/chusen": "#rounds-status:not(:empty)",
    "/login": "#login-form",
    "/collections?f=html": "table",
    "/collections/shelters/items?f=html": "table",
    "/collections/facilities/map.html": ".leaflet-interactive, .leaflet-control-layers",
    "/editor": "#map canvas.maplibregl-canvas, #layer-select option",
    "/disaster/dashboard": "#shelter-rows tr, #emergency-button:not(:empty)",
    "/exposure/map.html": ".leaflet-interactive, .legend",
    "/yoyaku/kanri": "#new-facility option, #new-kind option",
    "/audit?f=html": "table",
}


@pytest.mark.browser
def test_every_page_and_export_works_under_the_policy(server: Editing, browser: Any) -> None:
    base = server.live.url
    for path, username in [*((p, None) for p in PAGES), *STAFF_PAGES.items()]:
        with browser_page(browser, bypass_csp=False) as (page, seen):
            if username:
                page.request.post(f"{base}/auth/login",
                                  data={"username": username, "password": PASSWORD})
            page.goto(base + path)
            for selector in WORKS[path].split(", "):
                page.wait_for_selector(selector, state="attached")
            page.wait_for_timeout(500)
            assert csp_violations(seen.errors) == [], (path, seen.errors)
            assert seen.external == [], path


def test_even_the_answer_to_an_unexpected_error_carries_the_headers() -> None:
    from fastapi.testclient import TestClient

    from api import errors
    from api.app import CityGisApi

    app = CityGisApi()
    errors.install(app)

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    answer = TestClient(app, raise_server_exceptions=False).get("/broken")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
