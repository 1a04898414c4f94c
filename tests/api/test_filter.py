"""OGC API Features Part 3: CQL2 text and JSON filters, compiled to parameterised SQL."""

from __future__ import annotations

import json

import httpx
import pytest
from pyproj import Geod
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect

CITY_HALL = (139.4265, 35.7454)
GEOD = Geod(ellps="GRS80")


def items(http: httpx.Client, **params: object) -> dict:
    response = http.get("/collections/shelters/items", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return response.json()


def names(body: dict) -> set[str]:
    return {f["properties"]["name"] for f in body["features"]}


def test_comparison_logical_and_between(http: httpx.Client, db_url: URL) -> None:
    body = items(http, filter="capacity > 500 AND is_designated_shelter = true")
    with psycopg_connect(db_url) as conn:
        expected = {r[0] for r in conn.execute(
            "SELECT name FROM shelter WHERE capacity > 500 AND is_designated_shelter")}
    assert names(body) == expected and expected
    between = items(http, filter="capacity BETWEEN 100 AND 300")
    assert between["features"]
    assert all(100 <= f["properties"]["capacity"] <= 300 for f in between["features"])


def test_like_and_in(http: httpx.Client) -> None:
    schools = items(http, filter="name LIKE '%小学校%'")
    assert schools["features"] and all("小学校" in n for n in names(schools))
    chosen = items(http, filter="name IN ('第一小学校（サンプル）', '第二小学校（サンプル）')")
    assert names(chosen) == {"第一小学校（サンプル）", "第二小学校（サンプル）"}


def test_s_dwithin_is_in_metres(http: httpx.Client) -> None:
    body = items(http, filter=f"S_DWITHIN(geom, POINT({CITY_HALL[0]} {CITY_HALL[1]}), 800, meters)")
    everything = items(http)
    for feature in everything["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        distance = GEOD.inv(*CITY_HALL, lon, lat)[2]
        inside = feature["properties"]["name"] in names(body)
        assert inside == (distance <= 800) or abs(distance - 800) < 1


def test_spatial_predicates_and_cql2_json(http: httpx.Client) -> None:
    polygon = "POLYGON((139.42 35.74, 139.44 35.74, 139.44 35.76, 139.42 35.76, 139.42 35.74))"
    as_text = items(http, filter=f"S_WITHIN(geom, {polygon})")
    as_json = items(http, **{"filter-lang": "cql2-json", "filter": json.dumps({
        "op": "s_intersects", "args": [{"property": "geom"}, {
            "type": "Polygon", "coordinates": [[[139.42, 35.74], [139.44, 35.74],
                                                [139.44, 35.76], [139.42, 35.76],
                                                [139.42, 35.74]]]}]})})
    assert names(as_text) == names(as_json) and as_text["features"]
    for feature in as_text["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 139.42 <= lon <= 139.44 and 35.74 <= lat <= 35.76


def test_temporal_filter(http: httpx.Client) -> None:
    after = items(http, filter="T_AFTER(updated_at, TIMESTAMP('2001-01-01T00:00:00Z'))")
    before = items(http, filter="T_BEFORE(updated_at, TIMESTAMP('2001-01-01T00:00:00Z'))")
    assert after["numberReturned"] > 0 and before["numberReturned"] == 0


def test_filter_crs_plane_rectangular(http: httpx.Client) -> None:
    # 中央 area as a box in EPSG:6677 (northing first, as the CRS defines)
    box = ("POLYGON((-29000 -37500, -29000 -35500, -27500 -35500, -27500 -37500, "
           "-29000 -37500))")
    body = items(http, filter=f"S_INTERSECTS(geom, {box})",
                 **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/6677"})
    assert body["features"]


@pytest.mark.parametrize("text", [
    "name = 'x'; DROP TABLE shelter; --",
    "name = 'x'' OR ''1''=''1'",
    "\"name\" = 'a' OR 1=1) --",
    "name LIKE '%' UNION SELECT password_hash FROM app_user --",
    "pg_sleep(5) = 1",
    "capacity > (SELECT 1)",
])
def test_injection_strings_are_refused_or_inert(http: httpx.Client, db_url: URL,
                                                text: str) -> None:
    response = http.get("/collections/shelters/items", params={"filter": text})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["numberReturned"] == 0  # matched literally, as a value
    else:
        assert response.json()["invalid-params"][0]["name"] == "filter"
    with psycopg_connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM shelter").fetchone()[0] > 0


@pytest.mark.parametrize("params, name", [
    ({"filter": "nosuchfield = 1"}, "filter"),
    ({"filter": "capacity >"}, "filter"),
    ({"filter": "S_INTERSECTS(geom, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))"}, "filter"),
    ({"filter": "{not json", "filter-lang": "cql2-json"}, "filter"),
    ({"filter": "capacity > 1", "filter-lang": "sql"}, "filter-lang"),
    ({"filter": "capacity > 1", "filter-crs": "EPSG:1"}, "filter-crs"),
])
def test_bad_filters_are_problem_json(http: httpx.Client, params: dict, name: str) -> None:
    response = http.get("/collections/shelters/items", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalid-params"][0]["name"] == name


def test_self_intersection_is_reported_where(http: httpx.Client) -> None:
    bowtie = "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))"
    detail = http.get("/collections/shelters/items",
                      params={"filter": f"S_INTERSECTS(geom, {bowtie})"}).json()["detail"]
    assert "Self-intersection" in detail and "0.5 0.5" in detail


def test_queryables_list_the_filterable_fields(http: httpx.Client) -> None:
    response = http.get("/collections/shelters/queryables")
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["properties"]["capacity"]["type"] == "integer"
    assert schema["properties"]["geom"]["format"] == "geometry-point"
    assert schema["additionalProperties"] is False
    roads = http.get("/collections/roads/queryables").json()
    assert "length_m" not in roads["properties"]  # computed, not filterable


DEEP = 2_000
DEEP_FILTERS = {
    "parentheses": ("(" * DEEP + "name = 'a'" + ")" * DEEP, "cql2-text"),
    "functions": ("name = " + "upper(" * DEEP + "'a'" + ")" * DEEP, "cql2-text"),
    "functions on a property": ("casei(" * DEEP + "name" + ")" * DEEP + " = 'a'", "cql2-text"),
    "json not": ('{"op":"not","args":[' * 400 + '{"op":"=","args":[{"property":"name"},"a"]}'
                 + "]}" * 400, "cql2-json"),
}


@pytest.mark.parametrize("kind", DEEP_FILTERS)
def test_deep_nesting_is_refused_naming_the_limit(http: httpx.Client, kind: str) -> None:
    text, lang = DEEP_FILTERS[kind]
    response = http.get("/collections/shelters/items", params={"filter": text,
                                                                "filter-lang": lang})
    assert response.status_code == 400, response.text[:300]
    assert response.json()["invalid-params"][0]["name"] == "filter"
    assert "deeper than 40 levels" in response.json()["detail"]


def test_nesting_within_the_limit_still_works(http: httpx.Client) -> None:
    body = items(http, filter="(" * 30 + "capacity > 0" + ")" * 30)
    assert body["features"]
