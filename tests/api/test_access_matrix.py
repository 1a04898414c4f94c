"""Every route × every role → the expected status. A route missing from ``CASES`` fails
``test_every_route_is_in_the_matrix``: nothing new ships without deciding who may call it.

A layer only caseworkers may read (tests.api.restricted_layer) checks that restricted data never
reaches another role through features, tiles, search, places or exports, and that its reads
are audited."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import morecantile
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.database import psycopg_connect
from gis_core.settings import get_settings
from layers.facilities import lottery
from layers.facilities.schemas import RoundIn
from tests.api import restricted_layer
from tests.conftest import LiveServer, _create_database, _drop_database
from tests.helpers import run_db

ROLES = ("anonymous", "citizen", "planner", "disaster_officer", "network_staff", "caseworker",
         "facility_staff", "admin")
PASSWORD = "correct horse battery"
HALL = (139.4265, 35.7454)
TILE = morecantile.tms.get("WebMercatorQuad").tile(*HALL, 14)
ZYX = f"{TILE.z}/{TILE.y}/{TILE.x}"


def everyone(status: int = 200) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int = 200) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401}


def only(*roles: str, status: int = 200) -> dict[str, int]:
    allowed = {*roles, "admin"}
    return {role: status if role in allowed else 403 for role in ROLES} | {"anonymous": 401}


PUBLIC, RESTRICTED = everyone(), only("caseworker")


@dataclass(frozen=True)
class Case:
    url: str
    expect: dict[str, int]
    body: dict[str, Any] | None = field(default=None)


def layer_cases(suffix: str, public_status: int = 200) -> list[Case]:
    """The same route on a public layer and on the restricted one."""
    return [Case(f"/collections/roads{suffix}", everyone(public_status)),
            Case(f"/collections/case_notes{suffix}", RESTRICTED)]


def editing_cases(suffix: str, method_body: dict[str, Any] | None, editor_status: int,
                  restricted_editor_status: int) -> list[Case]:
    """A write on an editable public layer (roads: planners) and on the restricted layer
    (readable by caseworkers, editable by nobody). Writers who may not even read a layer get
    404: a write never reveals that a hidden layer exists."""
    roads = {**only("planner", status=editor_status)}
    hidden = {role: 404 for role in ROLES} | {"anonymous": 401, "caseworker": 403,
                                              "admin": restricted_editor_status}
    return [Case(f"/collections/roads{suffix}", roads, method_body),
            Case(f"/collections/case_notes{suffix}", hidden, method_body)]


EDITING_CASES: dict[tuple[str, str], list[Case]] = {
    # An empty object is no feature: editors get 400 naming the member.
    ("POST", "/collections/{collectionId}/items"): editing_cases("/items", {}, 400, 403),
    ("PUT", "/collections/{collectionId}/items/{featureId}"):  # the body is checked first
        editing_cases("/items/999999", {}, 400, 403),
    ("PATCH", "/collections/{collectionId}/items/{featureId}"):
        editing_cases("/items/999999", {}, 404, 403),
    ("DELETE", "/collections/{collectionId}/items/{featureId}"):
        editing_cases("/items/999999", None, 404, 403),
    ("POST", "/collections/{collectionId}/items/{featureId}/revert"):
        editing_cases("/items/999999/revert?version=1", None, 404, 403),
    ("GET", "/collections/{collectionId}/items/{featureId}/versions"):
        editing_cases("/items/999999/versions", None, 404, 403),
    ("GET", "/collections/{collectionId}/items/{featureId}/versions/{version}"):
        editing_cases("/items/999999/versions/1", None, 404, 403),
    ("OPTIONS", "/collections/{collectionId}/items"): layer_cases("/items"),
    ("OPTIONS", "/collections/{collectionId}/items/{featureId}"): layer_cases("/items/1"),
    ("GET", "/collections/{collectionId}/schema"): layer_cases("/schema"),
    ("GET", "/collections/{collectionId}/export"): layer_cases("/export?f=geojson"),
    # Planners' layers: an invalid definition or a missing file is a 400 for planners.
    ("POST", "/layers"): [Case("/layers", only("planner", status=400), {"id": "X"})],
    ("POST", "/layers/import"): [Case("/layers/import", only("planner", status=400))],
    ("DELETE", "/layers/{layerId}"): [Case("/layers/nosuchlayer",
                                           only("planner", status=404))],
}


TMS = "/tiles/WebMercatorQuad"
HERE = f"lon={HALL[0]}&lat={HALL[1]}"
RASTER = "/rasters/flood_depth"
# Hazards, routes and per-町丁目 exposure are public; operations are for disaster officers.
# PUT and PATCH bodies are invalid on purpose: an allowed role gets 400, never a change.
DISASTER_CASES: dict[tuple[str, str], list[Case]] = {
    ("GET", "/rasters"): [Case("/rasters", PUBLIC)],
    ("GET", "/rasters/{rasterId}"): [Case(RASTER, PUBLIC)],
    ("GET", "/rasters/{rasterId}/legend"): [Case(f"{RASTER}/legend", PUBLIC)],
    ("GET", "/rasters/{rasterId}/tiles/WebMercatorQuad/tilejson.json"):
        [Case(f"{RASTER}{TMS}/tilejson.json", PUBLIC)],
    ("GET", "/rasters/{rasterId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"):
        [Case(f"{RASTER}{TMS}/{ZYX}", PUBLIC)],
    ("PUT", "/rasters/{rasterId}"): [Case("/rasters/matrix", only("disaster_officer",
                                                                  status=400), {})],
    ("GET", "/hazards/at"): [Case(f"/hazards/at?{HERE}", PUBLIC)],
    ("PATCH", "/shelters/{shelterId}"): [Case("/shelters/1", only("disaster_officer",
                                                                  status=400),
                                              {"occupancy": -1})],
    ("GET", "/evacuation/route"): [Case(f"/evacuation/route?{HERE}", PUBLIC)],
    ("GET", "/evacuation/isochrones"): [Case("/evacuation/isochrones?shelter=1", PUBLIC)],
    ("GET", "/exposure"): [Case("/exposure", PUBLIC),
                           Case("/exposure?by=shelter", only("disaster_officer"))],
    ("GET", "/exposure/map.html"): [Case("/exposure/map.html", only("disaster_officer"))],
    ("GET", "/shelters/events"): [Case("/shelters/events", PUBLIC)],
}
STREAMS = {"/shelters/events"}
# Bookings and the lottery: ids that do not exist (999999) reach the handler only for roles
# allowed to call it, so they answer 404 (or a rule's 409/422) and nothing changes.
NO = 999999
SPAN = "start=2030-01-08T00:00:00%2B09:00&end=2030-01-09T00:00:00%2B09:00"
A_BOOKING = {"room_id": NO, "start": "2030-01-08T09:00:00+09:00",
             "end": "2030-01-08T12:00:00+09:00"}
CITIZEN_404 = only("citizen", status=404)
STAFF_404 = only("facility_staff", status=404)
BOOKING_CASES: dict[tuple[str, str], list[Case]] = {
    ("GET", "/facilities/availability"): [Case(f"/facilities/availability?{SPAN}", PUBLIC)],
    ("GET", "/rooms"): [Case("/rooms", PUBLIC)],
    ("GET", "/rooms/{roomId}"): [Case("/rooms/1", PUBLIC)],
    ("GET", "/rooms/{roomId}/calendar"): [Case("/rooms/1/calendar", PUBLIC)],
    ("POST", "/bookings"): [Case("/bookings", CITIZEN_404, A_BOOKING)],
    ("GET", "/bookings/{bookingId}"): [Case(f"/bookings/{NO}",
                                            only("citizen", "facility_staff", status=404))],
    ("PATCH", "/bookings/{bookingId}"): [Case(f"/bookings/{NO}", CITIZEN_404, {})],
    ("POST", "/bookings/{bookingId}/cancel"): [
        Case(f"/bookings/{NO}/cancel", only("citizen", "facility_staff", status=404))],
    ("POST", "/bookings/{bookingId}/confirm"): [Case(f"/bookings/{NO}/confirm", CITIZEN_404)],
    ("GET", "/me/bookings"): [Case("/me/bookings", only("citizen"))],
    ("POST", "/waitlist"): [Case("/waitlist", CITIZEN_404, A_BOOKING)],
    ("GET", "/me/waitlist"): [Case("/me/waitlist", only("citizen"))],
    ("DELETE", "/waitlist/{entryId}"): [Case(f"/waitlist/{NO}", CITIZEN_404)],
    ("GET", "/me/profile"): [Case("/me/profile", signed_in())],
    ("PUT", "/me/profile"): [Case("/me/profile", only("citizen"), {"address": "中央3-1-1"})],
    ("GET", "/lottery/rounds"): [Case("/lottery/rounds", PUBLIC)],
    ("POST", "/lottery/rounds"): [Case("/lottery/rounds", only("facility_staff", status=422),
                                       {"month": "2020-01"})],
    ("GET", "/lottery/rounds/{roundId}"): [Case("/lottery/rounds/1", PUBLIC)],
    ("GET", "/lottery/rounds/{roundId}/slots"): [Case("/lottery/rounds/1/slots", PUBLIC)],
    ("GET", "/lottery/rounds/{roundId}/results"): [Case("/lottery/rounds/1/results", PUBLIC)],
    ("POST", "/lottery/rounds/{roundId}/entries"): [
        Case(f"/lottery/rounds/{NO}/entries", CITIZEN_404, {"choices": [1]})],
    ("GET", "/me/lottery/entries"): [Case("/me/lottery/entries", only("citizen"))],
    ("POST", "/lottery/rounds/{roundId}/draw"): [  # the window is still open
        Case("/lottery/rounds/1/draw", only("facility_staff", status=409))],
    ("POST", "/lottery/rounds/{roundId}/reveal"): [  # not drawn yet
        Case("/lottery/rounds/1/reveal", only("facility_staff", status=409))],
    ("POST", "/rooms"): [Case("/rooms", STAFF_404, {
        "facility_id": NO, "name": "会議室", "kind": "meeting_room", "capacity": 10,
        "fee_yen": 0, "units": [{"label": "午前", "starts": "09:00", "ends": "12:00"}],
        "hours": [{"weekday": 1, "opens": "09:00", "closes": "17:00"}]})],
    ("PATCH", "/rooms/{roomId}"): [Case(f"/rooms/{NO}", STAFF_404, {})],
    ("DELETE", "/rooms/{roomId}"): [Case(f"/rooms/{NO}", STAFF_404)],
    ("POST", "/rooms/{roomId}/closures"): [
        Case(f"/rooms/{NO}/closures", STAFF_404, {"day": "2030-01-08", "reason": "点検"})],
    ("DELETE", "/rooms/{roomId}/closures/{day}"): [Case("/rooms/1/closures/2030-01-08",
                                                        STAFF_404)],
    ("GET", "/rooms/{roomId}/bookings"): [Case("/rooms/1/bookings", only("facility_staff"))],
    ("POST", "/citizens/{userId}/verify"): [Case(f"/citizens/{NO}/verify", STAFF_404)],
    ("GET", "/staff/rooms"): [Case("/staff/rooms", only("facility_staff"))],
    ("GET", "/staff/bookings"): [Case("/staff/bookings?day=2030-01-08",
                                      only("facility_staff"))],
    ("GET", "/staff/citizens/pending"): [Case("/staff/citizens/pending",
                                              only("facility_staff"))],
    ("POST", "/facilities/{facilityId}/suspensions"): [Case(
        f"/facilities/{NO}/suspensions", only("facility_staff", "disaster_officer", status=404),
        {"start": "2030-01-08T00:00:00+09:00", "end": "2030-01-09T00:00:00+09:00"})],
    ("POST", "/suspensions/{suspensionId}/lift"): [Case(
        f"/suspensions/{NO}/lift", only("facility_staff", "disaster_officer", status=404))],
}
CASES: dict[tuple[str, str], list[Case]] = {
    ("GET", "/"): [Case("/", PUBLIC)],
    ("GET", "/openapi.json"): [Case("/openapi.json", PUBLIC)],
    ("GET", "/conformance"): [Case("/conformance", PUBLIC)],
    ("GET", "/api"): [Case("/api", PUBLIC)],
    ("GET", "/collections"): [Case("/collections", PUBLIC)],
    ("GET", "/collections/{collectionId}"): layer_cases(""),
    ("GET", "/collections/{collectionId}/queryables"): layer_cases("/queryables"),
    ("GET", "/collections/{collectionId}/items"): layer_cases("/items"),
    ("GET", "/collections/{collectionId}/items/{featureId}"): layer_cases("/items/1"),
    ("GET", "/collections/{collectionId}/map.html"): layer_cases("/map.html"),
    ("GET", "/tileMatrixSets"): [Case("/tileMatrixSets", PUBLIC)],
    ("GET", "/tileMatrixSets/{tileMatrixSetId}"): [Case("/tileMatrixSets/WebMercatorQuad",
                                                        PUBLIC)],
    ("GET", "/collections/{collectionId}/tiles"): layer_cases("/tiles"),
    ("GET", "/collections/{collectionId}/tiles/{tileMatrixSetId}"): layer_cases(TMS),
    ("GET", "/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json"):
        layer_cases(f"{TMS}/tilejson.json"),
    ("GET", "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/"
            "{tileCol}"): layer_cases(f"{TMS}/{ZYX}"),
    ("GET", "/tiles"): [Case("/tiles", PUBLIC)],
    ("GET", "/tiles/{tileMatrixSetId}"): [Case(TMS, PUBLIC)],
    ("GET", "/tiles/{tileMatrixSetId}/tilejson.json"): [Case(f"{TMS}/tilejson.json", PUBLIC)],
    ("GET", "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"):
        [Case(f"{TMS}/{ZYX}", PUBLIC)],
    ("GET", "/places/at"): [Case(f"/places/at?lon={HALL[0]}&lat={HALL[1]}", PUBLIC)],
    ("GET", "/search"): [Case("/search?q=中央", PUBLIC)],
    ("POST", "/auth/login"): [Case("/auth/login", everyone(401),  # a name per role: no back-off
                                   {"username": "nobody-{role}", "password": "wrong password"})],
    ("POST", "/auth/logout"): [Case("/auth/logout", signed_in(204))],
    ("GET", "/auth/me"): [Case("/auth/me", signed_in())],
    ("GET", "/audit"): [Case("/audit", only())],
    ("GET", "/login"): [Case("/login", PUBLIC)],
    ("GET", "/emergency"): [Case("/emergency", PUBLIC)],
    ("GET", "/bousai"): [Case("/bousai", PUBLIC)],
    ("GET", "/yoyaku"): [Case("/yoyaku", PUBLIC)],
    ("GET", "/yoyaku/chusen"): [Case("/yoyaku/chusen", PUBLIC)],
    ("GET", "/yoyaku/kanri"): [Case("/yoyaku/kanri",
                                    {**only("facility_staff"), "anonymous": 303})],
    ("GET", "/disaster/dashboard"): [Case("/disaster/dashboard",
                                          {**only("disaster_officer"), "anonymous": 303})],
    ("PUT", "/emergency"): [Case("/emergency", only("disaster_officer"),
                                 {"active": False, "message_ja": "", "message_en": ""})],
    # Outside emergency mode only signed-in callers may report; this body is invalid (400).
    ("POST", "/reports"): [Case("/reports", signed_in(400))],
    ("GET", "/reports"): [Case("/reports", only("disaster_officer"))],
    ("PATCH", "/reports/{reportId}"): [Case("/reports/999999",
                                             only("disaster_officer", status=404),
                                             {"status": "resolved"})],
    ("GET", "/reports/{reportId}/photo"): [Case("/reports/999999/photo",
                                                 only("disaster_officer", status=404))],
    ("GET", "/editor"): [Case("/editor", {**everyone(200), "anonymous": 303})],
    **DISASTER_CASES,
    **EDITING_CASES,
    **BOOKING_CASES,
}
# The pages' own JS/CSS, public by nature.
PUBLIC_MOUNTS = {"/static", "/vendor/maplibre-gl", "/vendor/terra-draw",
                 "/vendor/terra-draw-maplibre-gl-adapter"}


def app_routes(routes: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through FastAPI's included routers and mounts."""
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI ≥ 0.165 keeps included routers
            yield from app_routes(route.original_router.routes)
        elif hasattr(route, "methods") and route.methods:
            yield from ((m, route.path) for m in route.methods if m != "HEAD")
        else:
            yield "MOUNT", route.path


async def open_a_lottery_round(conn: asyncpg.Connection) -> None:
    """Round 1, for 2030-01, its window open until 2029: the public lottery routes answer 200."""
    window = {"opens_at": datetime(2026, 1, 1, tzinfo=UTC),
              "closes_at": datetime(2029, 12, 1, tzinfo=UTC),
              "confirm_by": datetime(2029, 12, 10, tzinfo=UTC)}
    await lottery.create_round(conn, RoundIn(month=date(2030, 1, 1), **window), None)


@pytest.fixture(scope="module")
def matrix_server(server_url: URL, template_db: str) -> Iterator[tuple[LiveServer, URL]]:
    url = _create_database(server_url, "citygis_test_matrix", template_db)
    with psycopg_connect(url, autocommit=True) as conn:
        conn.execute(restricted_layer.create_table_sql())
    run_db(url, open_a_lottery_round)
    settings = get_settings().model_copy(
        update={"extra_layer_modules": ["tests.api.restricted_layer"]})
    with LiveServer(url, settings) as live:
        yield live, url
    _drop_database(server_url, "citygis_test_matrix")


@pytest.fixture(scope="module")
def tokens(matrix_server: tuple[LiveServer, URL]) -> dict[str, str]:
    async def issue(conn: asyncpg.Connection) -> dict[str, str]:
        found = {}
        for role in ROLES[1:]:
            user_id = await service.create_user(conn, f"m_{role}", PASSWORD, role, {Role(role)})
            found[role] = await service.create_token(conn, user_id, "matrix")
        return found
    return run_db(matrix_server[1], issue)


def call(live: LiveServer, tokens: dict[str, str], role: str, method: str,
         case: Case) -> httpx.Response:
    headers = {"Accept": "application/json"}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {tokens[role]}"
    with httpx.Client(base_url=live.url, headers=headers, timeout=30) as client:
        if case.url in STREAMS:  # an endless stream: its status and headers are the answer
            with client.stream(method, case.url) as response:
                return response
        body = case.body and {k: v.format(role=role) if isinstance(v, str) else v
                              for k, v in case.body.items()}
        return client.request(method, case.url, json=body)


def test_every_route_is_in_the_matrix(matrix_server: tuple[LiveServer, URL]) -> None:
    found = set(app_routes(matrix_server[0].app.routes))
    mounts = {path for method, path in found if method == "MOUNT"}
    assert mounts == PUBLIC_MOUNTS
    undecided = (found - {("MOUNT", m) for m in mounts}) - CASES.keys()
    assert not undecided, f"routes with no access decision in CASES: {sorted(undecided)}"
    assert not CASES.keys() - found, "CASES lists routes the app no longer has"


MATRIX = [(method, path, case, role) for (method, path), cases in CASES.items()
          for case in cases for role in ROLES]


@pytest.mark.parametrize(("method", "path", "case", "role"), MATRIX,
                         ids=[f"{m} {c.url} as {r}" for m, _, c, r in MATRIX])
def test_route_answers_each_role_as_decided(
    matrix_server: tuple[LiveServer, URL], tokens: dict[str, str],
    method: str, path: str, case: Case, role: str,
) -> None:
    response = call(matrix_server[0], tokens, role, method, case)
    assert response.status_code == case.expect[role], response.text[:300]
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


def test_restricted_data_reaches_no_other_role(matrix_server: tuple[LiveServer, URL],
                                               tokens: dict[str, str]) -> None:
    live = matrix_server[0]
    for role in ROLES:
        reader = role in ("caseworker", "admin")
        listed = call(live, tokens, role, "GET", Case("/collections", PUBLIC)).json()
        ids = {c["id"] for c in listed["collections"]}
        assert ("case_notes" in ids) == reader, role
        for url in ("/search?q=田中", f"/places/at?lon={HALL[0]}&lat={HALL[1]}",
                    f"{TMS}/{ZYX}"):
            body = call(live, tokens, role, "GET", Case(url, PUBLIC)).content
            assert restricted_layer.SECRET_NOTE.encode() not in body, (role, url)
            assert b"case_notes" not in body, (role, url)


def test_reads_of_the_restricted_layer_are_audited(matrix_server: tuple[LiveServer, URL],
                                                   tokens: dict[str, str]) -> None:
    live, url = matrix_server
    items = call(live, tokens, "caseworker", "GET", Case("/collections/case_notes/items?limit=5",
                                                         RESTRICTED))
    assert items.json()["features"][0]["properties"]["note"] == restricted_layer.SECRET_NOTE
    with psycopg_connect(url) as conn:
        rows = conn.execute(
            "SELECT username, action, target, detail->>'query' FROM audit_log "
            "WHERE target LIKE 'case_notes:%' AND username = 'm_caseworker' ORDER BY id DESC"
        ).fetchall()
    assert rows[0][1:] == ("read", "case_notes:/collections/case_notes/items", "limit=5")
