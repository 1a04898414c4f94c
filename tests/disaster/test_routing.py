"""Evacuation routes on the walking graph (pgRouting): the nearest open shelter with room,
closed shelters, flooded streets, unreachable places, nested isochrones."""

from __future__ import annotations

import asyncpg
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from gis_core import routing
from gis_core.database import psycopg_connect
from layers.disaster import evacuation
from tests.disaster.conftest import DisasterServer
from tests.helpers import run_db

ORIGIN = (139.4265, 35.7454)  # 市役所, 中央三丁目
TO_METRES = Transformer.from_crs(4326, 6677, always_xy=True)


def metric(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, TO_METRES.transform, interleaved=False)


async def _route(conn: asyncpg.Connection, max_depth: float | None = 0.5) -> dict:
    return await evacuation.evacuation_route(conn, *ORIGIN, max_depth)


async def _each_shelter_alone(conn: asyncpg.Connection) -> dict[int, float]:
    """Seconds to every open shelter with room, one Dijkstra per shelter."""
    rows = await conn.fetch(evacuation.OPEN_SHELTERS)
    found = {}
    for row in rows:
        route = await routing.nearest_target_route(
            conn, *ORIGIN, [routing.Target(row["id"], row["lon"], row["lat"])], 0.5)
        if route is not None:
            found[row["id"]] = route.seconds
    return found


def test_route_ends_at_the_nearest_open_shelter(disaster: DisasterServer) -> None:
    async def check(conn: asyncpg.Connection) -> tuple[dict, dict[int, float]]:
        return await _route(conn), await _each_shelter_alone(conn)

    route, alone = run_db(disaster.url, check)
    nearest = min(alone, key=alone.get)
    properties = route["properties"]
    assert properties["shelter"]["id"] == nearest
    assert properties["minutes"] * 60 >= alone[nearest] > (properties["minutes"] - 1) * 60
    line = shape(route["geometry"])
    assert line.coords[0] == pytest.approx(ORIGIN)
    end = properties["shelter"]["lon"], properties["shelter"]["lat"]
    assert line.coords[-1] == pytest.approx(end)
    assert metric(line).length == pytest.approx(properties["distance_m"], rel=0.02)


def test_closing_the_shelter_moves_the_route(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        first = client.get("/evacuation/route", params=dict(zip(("lon", "lat"), ORIGIN,
                                                                strict=True))).json()
    chosen = first["properties"]["shelter"]["id"]
    with disaster.client("disaster_officer") as officer:
        assert officer.patch(f"/shelters/{chosen}", json={"status": "closed"}).status_code == 200
        moved = officer.get("/evacuation/route", params=dict(zip(("lon", "lat"), ORIGIN,
                                                                 strict=True))).json()
        officer.patch(f"/shelters/{chosen}", json={"status": "open"})
    assert moved["properties"]["shelter"]["id"] != chosen
    assert moved["properties"]["distance_m"] >= first["properties"]["distance_m"]


def test_a_flooded_street_is_avoided_above_the_threshold(disaster: DisasterServer) -> None:
    async def dry_route(conn: asyncpg.Connection) -> dict:
        await conn.execute("UPDATE road_edge SET max_depth_m = 0")
        return await _route(conn)

    dry = run_db(disaster.url, dry_route)
    line = metric(shape(dry["geometry"]))
    with psycopg_connect(disaster.url, autocommit=True) as conn:
        edges = conn.execute("SELECT id, ST_AsBinary(geom) FROM road_edge").fetchall()
        on_route = [(edge_id, metric(shapely.from_wkb(bytes(wkb)))) for edge_id, wkb in edges]
        on_route = [(i, g) for i, g in on_route if line.buffer(0.5).contains(g)]
        flooded_id, flooded = on_route[len(on_route) // 2]
        conn.execute("UPDATE road_edge SET max_depth_m = 1.2 WHERE id = %s", (flooded_id,))
    try:
        avoiding = run_db(disaster.url, _route)
        wading = run_db(disaster.url, lambda conn: _route(conn, 1.5))
    finally:
        with psycopg_connect(disaster.url, autocommit=True) as conn:
            evacuation.rebuild_graph(conn, force=True)
    middle = flooded.interpolate(0.5, normalized=True)
    assert metric(shape(avoiding["geometry"])).distance(middle) > 1.0
    assert avoiding["properties"]["distance_m"] >= dry["properties"]["distance_m"]
    assert metric(shape(wading["geometry"])).distance(middle) < 0.01
    assert wading["properties"]["distance_m"] == pytest.approx(dry["properties"]["distance_m"])


def test_scenario_depths_are_on_the_graph(disaster: DisasterServer) -> None:
    with psycopg_connect(disaster.url) as conn:
        wet, deep = conn.execute("SELECT count(*) FILTER (WHERE max_depth_m > 0), "
                                 "count(*) FILTER (WHERE max_depth_m > 0.5) "
                                 "FROM road_edge").fetchone()
    assert wet > deep > 0


def test_no_shelter_open_is_a_problem(disaster: DisasterServer) -> None:
    with psycopg_connect(disaster.url, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE kept AS SELECT id, status FROM shelter")
        conn.execute("UPDATE shelter SET status = 'closed'")
        try:
            with disaster.client() as client:
                response = client.get("/evacuation/route", params={"lon": ORIGIN[0],
                                                                   "lat": ORIGIN[1]})
        finally:
            conn.execute("UPDATE shelter s SET status = k.status FROM kept k WHERE k.id = s.id")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "no open shelter" in response.json()["detail"]


def test_far_from_any_road_is_a_problem(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        response = client.get("/evacuation/route", params={"lon": 139.30, "lat": 35.64})
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unreachable"


@pytest.mark.parametrize("params, name", [
    ({"lon": 139.4, "lat": 35.7, "max_depth": -1}, "max_depth"),
    ({"lon": 139.4, "lat": 35.7, "max_depth": "deep"}, "max_depth"),
    ({"lon": 139.4}, "lat"),
    ({"lon": 139.4, "lat": 35.7, "mode": "car"}, "mode"),
])
def test_route_bad_input(disaster: DisasterServer, params: dict, name: str) -> None:
    with disaster.client() as client:
        response = client.get("/evacuation/route", params=params)
    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == name


def test_isochrones_are_nested(disaster: DisasterServer) -> None:
    with psycopg_connect(disaster.url) as conn:
        shelter_id, lon, lat = conn.execute(
            "SELECT id, ST_X(geom), ST_Y(geom) FROM shelter WHERE name LIKE '%中学校%' "
            "ORDER BY id LIMIT 1").fetchone()
    with disaster.client() as client:
        found = client.get("/evacuation/isochrones", params={"shelter": shelter_id}).json()
        assert client.get("/evacuation/isochrones",
                          params={"shelter": 999999}).status_code == 404
    areas = {f["properties"]["minutes"]: metric(shape(f["geometry"]))
             for f in found["features"]}
    assert sorted(areas) == [10, 20, 30]
    assert areas[10].area < areas[20].area < areas[30].area
    for small, large in ((10, 20), (20, 30)):
        assert areas[large].buffer(0.5).contains(areas[small])
    assert areas[10].distance(metric(shapely.Point(lon, lat))) < 200
    assert areas[30].area < 3.2 * (2400 ** 2)  # within a 30-minute walk (2.4 km) disc


def test_a_confirmed_blocked_road_report_reroutes_until_resolved(disaster: DisasterServer
                                                                 ) -> None:
    params = dict(zip(("lon", "lat"), ORIGIN, strict=True))
    with disaster.client() as client:
        before = client.get("/evacuation/route", params=params, timeout=30).json()
    line = shape(before["geometry"])
    middle = line.interpolate(0.5, normalized=True)
    officer = disaster.client("disaster_officer")
    with psycopg_connect(disaster.url) as conn:
        report_id = conn.execute(
            "INSERT INTO crowd_report (category, note, geom) VALUES "
            "('blocked_road', '倒木', ST_Point(%s, %s, 4326)) RETURNING id",
            (middle.x, middle.y)).fetchone()[0]
    with officer:
        assert officer.patch(f"/reports/{report_id}",
                             json={"status": "confirmed"}).status_code == 204
        detour = officer.get("/evacuation/route", params=params).json()
        assert officer.patch(f"/reports/{report_id}",
                             json={"status": "resolved"}).status_code == 204
        after = officer.get("/evacuation/route", params=params).json()
    blocked_point = metric(shapely.Point(middle.x, middle.y))
    assert metric(shape(detour["geometry"])).distance(blocked_point) > 15
    assert detour["properties"]["distance_m"] > before["properties"]["distance_m"]
    assert after["properties"]["distance_m"] == pytest.approx(before["properties"]["distance_m"])
