"""OGC API Features Part 4 over real HTTP and PostGIS: create, replace, patch, delete; ETags,
If-Match, 428 and 412; validation errors that name the member; roles; audit; CSRF; tiles."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import morecantile
import pytest
from pyproj import Transformer
from sqlalchemy.engine import URL

from tests.api.editing import PASSWORD, Editing, editing_server

POINT = [139.43, 35.745]
NEW_FACILITY: dict[str, Any] = {
    "type": "Feature",
    "geometry": {"type": "Point", "coordinates": POINT},
    "properties": {"name": "テスト公民館", "kind": "community_center", "category_ja": "公民館",
                   "is_sample": True},
}
GEOJSON = {"Content-Type": "application/geo+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def editing(fresh_db_url: URL) -> Iterator[Editing]:
    with editing_server(fresh_db_url) as server:
        yield server


def first_id(client: httpx.Client, layer: str) -> int:
    page = client.get(f"/collections/{layer}/items", params={"limit": 1}).json()
    return page["features"][0]["id"]


def create(client: httpx.Client, body: dict[str, Any] | None = None,
           layer: str = "facilities") -> httpx.Response:
    return client.post(f"/collections/{layer}/items", json=body or NEW_FACILITY, headers=GEOJSON)


def invalid_param(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()["invalid-params"][0]["name"]


def test_create_answers_201_with_location_and_etag(editing: Editing) -> None:
    planner = editing.client("planner1")
    created = create(planner)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"v1"'
    location = created.headers["location"]
    assert location.startswith(f"{editing.live.url}/collections/facilities/items/")
    fetched = planner.get(location)
    assert fetched.status_code == 200 and fetched.headers["etag"] == '"v1"'
    feature = fetched.json()
    assert feature["properties"]["name"] == "テスト公民館"
    assert feature["properties"]["feature_version"] == 1
    assert feature["geometry"]["coordinates"] == POINT


def test_replace_needs_if_match_and_a_stale_one_is_412(editing: Editing) -> None:
    planner = editing.client("planner1")
    fid = first_id(planner, "facilities")
    url = f"/collections/facilities/items/{fid}"
    read = planner.get(url)
    tag = read.headers["etag"]
    body = {**read.json(), "properties": {**NEW_FACILITY["properties"], "name": "改名"}}
    missing = planner.put(url, json=body, headers=GEOJSON)
    assert missing.status_code == 428 and missing.headers["etag"] == tag
    assert missing.json()["invalid-params"][0]["name"] == "If-Match"
    replaced = planner.put(url, json=body, headers={**GEOJSON, "If-Match": tag})
    assert replaced.status_code == 200, replaced.text
    assert replaced.headers["etag"] != tag and replaced.json()["properties"]["name"] == "改名"
    assert replaced.json()["properties"]["address"] is None  # PUT replaces the whole feature
    stale = planner.put(url, json=body, headers={**GEOJSON, "If-Match": tag})
    assert stale.status_code == 412 and stale.headers["etag"] == replaced.headers["etag"]
    assert planner.delete(url, headers={"If-Match": tag}).status_code == 412
    assert planner.delete(url, headers={"If-Match": f'W/{replaced.headers["etag"]}'}
                          ).status_code == 412  # weak tags never match
    assert planner.delete(url, headers={"If-Match": replaced.headers["etag"]}).status_code == 204
    assert planner.get(url).status_code == 404


def test_patch_merges_properties_and_geometry(editing: Editing) -> None:
    planner = editing.client("planner1")
    fid = first_id(planner, "facilities")
    url = f"/collections/facilities/items/{fid}"
    before = planner.get(url)
    patched = planner.patch(url, json={"properties": {"address": "東大和市中央3-930"}},
                            headers={**MERGE_PATCH, "If-Match": before.headers["etag"]})
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after["properties"]["address"] == "東大和市中央3-930"
    assert after["properties"]["name"] == before.json()["properties"]["name"]
    assert after["geometry"] == before.json()["geometry"]
    moved = planner.patch(url, json={"geometry": {"type": "Point", "coordinates": POINT}},
                          headers={**MERGE_PATCH, "If-Match": patched.headers["etag"]})
    assert moved.json()["geometry"]["coordinates"] == POINT
    assert moved.json()["properties"]["address"] == "東大和市中央3-930"
    cleared = planner.patch(url, json={"properties": {"address": None}},
                            headers={**MERGE_PATCH, "If-Match": moved.headers["etag"]})
    assert cleared.json()["properties"]["address"] is None
    required = planner.patch(url, json={"properties": {"name": None}},
                             headers={**MERGE_PATCH, "If-Match": cleared.headers["etag"]})
    assert invalid_param(required) == "properties.name"


def test_a_bow_tie_polygon_is_refused_saying_where_it_crosses(editing: Editing) -> None:
    bow_tie = {"type": "Polygon", "coordinates": [[[139.43, 35.74], [139.44, 35.75],
                                                   [139.44, 35.74], [139.43, 35.75],
                                                   [139.43, 35.74]]]}
    body = {"type": "Feature", "geometry": bow_tie,
            "properties": {"name": "池", "kind": "pond", "is_sample": True}}
    response = create(editing.client("planner1"), body, "water_areas")
    assert invalid_param(response) == "geometry"
    assert "Self-intersection at (139.435, 35.745)" in response.json()["detail"]


@pytest.mark.parametrize(("geometry", "member", "words"), [
    ({"type": "LineString", "coordinates": [POINT, [139.44, 35.75]]}, "geometry.type",
     "Point geometries, not LineString"),
    ({"type": "Point", "coordinates": [135.5, 34.7]}, "geometry", "outside"),
    ({"type": "Point", "coordinates": POINT[::-1]}, "geometry", "axis order"),
    ({"type": "Point", "coordinates": ["139.43", 35.745]}, "geometry.coordinates", "numbers"),
    ({"type": "Point", "coordinates": [139.43]}, "geometry.coordinates", "numbers"),
    ({"type": "Point", "coordinates": [[139.43, 35.745]]}, "geometry.coordinates", "Point"),
    ({"type": "Point"}, "geometry.coordinates", "array"),
    ({"type": "Circle", "coordinates": POINT}, "geometry.type", "Circle"),
    (None, "geometry", "needs a geometry"),
    ({"type": "Polygon", "coordinates": [[[139.43, 35.74], [139.44, 35.75]]]},
     "geometry.coordinates", "do not make a Polygon"),
    ({"type": "MultiPoint", "coordinates": [POINT, [139.44, 35.75]]}, "geometry.type",
     "not MultiPoint"),
])
def test_geometry_errors_name_the_member(editing: Editing, geometry: object, member: str,
                                         words: str) -> None:
    response = create(editing.client("planner1"), {**NEW_FACILITY, "geometry": geometry})
    assert invalid_param(response) == member
    assert words in response.json()["detail"]


@pytest.mark.parametrize(("properties", "member"), [
    ({"colour": "red"}, "properties.colour"),
    ({"is_sample": "yes"}, "properties.is_sample"),
    ({"name": 42}, "properties.name"),
    ({"name": None}, "properties.name"),
    ({"name": "a\x00b"}, "properties.name"),
])
def test_attribute_errors_name_the_property(editing: Editing, properties: dict[str, Any],
                                            member: str) -> None:
    body = {**NEW_FACILITY, "properties": {**NEW_FACILITY["properties"], **properties}}
    assert invalid_param(create(editing.client("planner1"), body)) == member


def test_required_and_typed_attributes_follow_the_schema(editing: Editing) -> None:
    planner = editing.client("planner1")
    schema = planner.get("/collections/shelters/schema")
    assert schema.headers["content-type"] == "application/schema+json"
    doc = schema.json()
    assert "name" in doc["required"] and doc["properties"]["capacity"]["type"] == [
        "integer", "null"]
    assert doc["properties"]["feature_version"]["readOnly"] is True
    assert doc["properties"]["geom"]["x-ogc-role"] == "primary-geometry"
    shelter = {"type": "Feature", "geometry": {"type": "Point", "coordinates": POINT},
               "properties": {"name": "避難所", "is_designated_shelter": True,
                              "is_emergency_site": False, "is_sample": True, "capacity": "many"}}
    assert invalid_param(create(planner, shelter, "shelters")) == "properties.capacity"
    too_big = {**shelter, "properties": {**shelter["properties"], "capacity": 2**40}}
    assert invalid_param(create(planner, too_big, "shelters")) == "properties.capacity"
    missing = {**shelter, "properties": {"name": "避難所", "is_sample": True}}
    assert invalid_param(create(planner, missing, "shelters")) in (
        "properties.is_designated_shelter", "properties.is_emergency_site")
    shelter["properties"]["capacity"] = 120
    assert create(planner, shelter, "shelters").status_code == 201


def test_read_only_properties_are_ignored_and_ids_must_agree(editing: Editing) -> None:
    planner = editing.client("planner1")
    body = {**NEW_FACILITY, "id": 999999, "properties": {
        **NEW_FACILITY["properties"], "updated_at": "2000-01-01T00:00:00Z", "id": 5}}
    created = create(planner, body)
    assert created.status_code == 201, created.text
    assert created.json()["id"] != 999999
    assert created.json()["properties"]["updated_at"] > "2020"
    wrong_id = planner.put(created.headers["location"], json={**body, "id": 1},
                           headers={**GEOJSON, "If-Match": created.headers["etag"]})
    assert invalid_param(wrong_id) == "id"


def test_malformed_bodies_are_problems_naming_the_body(editing: Editing) -> None:
    planner = editing.client("planner1")
    broken = planner.post("/collections/facilities/items", content=b'{"type": "Feature",',
                          headers=GEOJSON)
    assert invalid_param(broken) == "body" and "not JSON" in broken.json()["detail"]
    listed = planner.post("/collections/facilities/items", json=[NEW_FACILITY], headers=GEOJSON)
    assert invalid_param(listed) == "body"
    collection = create(planner, {"type": "FeatureCollection", "features": [NEW_FACILITY]})
    assert invalid_param(collection) == "type"
    text = planner.post("/collections/facilities/items", content=b"{}",
                        headers={"Content-Type": "text/plain"})
    assert text.status_code == 415 and text.json()["invalid-params"][0]["name"] == "Content-Type"


def test_oversized_bodies_are_413_declared_or_streamed(editing: Editing) -> None:
    planner = editing.client("planner1")
    limit = editing.live.app.state.settings.max_body_bytes
    padding = {"name": "x" * (limit + 10)}
    body = {**NEW_FACILITY, "properties": {**NEW_FACILITY["properties"], **padding}}
    declared = create(planner, body)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:
        yield b'{"type": "Feature", "properties": {"name": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}}'
    streamed = planner.post("/collections/facilities/items", content=chunks(), headers=GEOJSON)
    assert streamed.status_code == 413


def test_content_crs_input_is_reprojected(editing: Editing) -> None:
    to_6677 = Transformer.from_crs(4326, 6677, always_xy=True)
    easting, northing = to_6677.transform(*POINT)
    body = {**NEW_FACILITY, "geometry": {"type": "Point", "coordinates": [northing, easting]}}
    planner = editing.client("planner1")
    created = planner.post("/collections/facilities/items", json=body, headers={
        **GEOJSON, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/6677>"})
    assert created.status_code == 201, created.text
    lon, lat = created.json()["geometry"]["coordinates"]
    assert lon == pytest.approx(POINT[0], abs=1e-7) and lat == pytest.approx(POINT[1], abs=1e-7)
    unknown = planner.post("/collections/facilities/items", json=body, headers={
        **GEOJSON, "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/2193>"})
    assert unknown.status_code == 400
    assert unknown.json()["invalid-params"][0]["name"] == "Content-Crs"


def test_who_may_edit(editing: Editing) -> None:
    anonymous = editing.client()
    assert create(anonymous).status_code == 401
    assert create(editing.client("citizen1")).status_code == 403
    assert create(editing.client("officer")).status_code == 403  # facilities: planners
    planner = editing.client("planner1")
    boundary = planner.post("/collections/city_boundary/items", json=NEW_FACILITY,
                            headers=GEOJSON)
    assert boundary.status_code == 403  # official data, not editable
    hidden = create(planner, layer="casework_sites")
    assert hidden.status_code == 404  # not readable: not revealed
    assert create(planner, layer="no_such_layer").status_code == 404
    assert create(editing.client("admin1")).status_code == 201
    shelter = {"type": "Feature", "geometry": {"type": "Point", "coordinates": POINT},
               "properties": {"name": "避難所", "is_designated_shelter": True,
                              "is_emergency_site": True, "is_sample": True}}
    assert create(editing.client("officer"), shelter, "shelters").status_code == 201


def test_options_tell_each_caller_what_they_may_do(editing: Editing) -> None:
    planner, anonymous = editing.client("planner1"), editing.client()
    fid = first_id(planner, "facilities")
    items = planner.options("/collections/facilities/items")
    assert items.status_code == 200 and "POST" in items.headers["allow"]
    assert "application/geo+json" in items.headers["accept-post"]
    item = planner.options(f"/collections/facilities/items/{fid}")
    allowed = {m.strip() for m in item.headers["allow"].split(",")}
    assert {"PUT", "DELETE"} <= allowed and "PATCH" not in allowed
    assert item.headers["accept-patch"] == "application/merge-patch+json"
    assert "POST" not in anonymous.options("/collections/facilities/items").headers["allow"]
    assert "PUT" not in planner.options("/collections/chome/items/1").headers["allow"]


def test_writes_are_audited_and_name_the_actor_in_history(editing: Editing) -> None:
    planner = editing.client("planner1", headers={"User-Agent": "citygis-test"})
    created = create(planner)
    fid = created.json()["id"]
    deleted = planner.delete(created.headers["location"],
                             headers={"If-Match": created.headers["etag"]})
    assert deleted.status_code == 204
    rows = editing.fetch("SELECT action, username, target, detail::text, user_agent "
                         "FROM audit_log WHERE target = $1 ORDER BY id", f"facilities/{fid}")
    assert [r["action"] for r in rows] == ["feature.create", "feature.delete"]
    assert all(r["username"] == "planner1" and r["user_agent"] == "citygis-test" for r in rows)
    assert '"version": 2' in rows[1]["detail"]
    versions = editing.fetch("SELECT version, op, actor FROM feature_version "
                             "WHERE layer_id = 'facilities' AND feature_id = $1 ORDER BY 1", fid)
    assert [tuple(v) for v in versions] == [(1, "insert", "planner1"), (2, "delete", "planner1")]


def test_cookie_sessions_need_the_csrf_header(editing: Editing) -> None:
    browser = editing.client()
    login = browser.post("/auth/login", json={"username": "planner1", "password": PASSWORD})
    csrf = login.json()["csrf_token"]
    refused = create(browser)
    assert refused.status_code == 403
    assert refused.json()["invalid-params"][0]["name"] == "X-CSRF-Token"
    accepted = browser.post("/collections/facilities/items", json=NEW_FACILITY,
                            headers={**GEOJSON, "X-CSRF-Token": csrf})
    assert accepted.status_code == 201


def _tile_etag(client: httpx.Client) -> str:
    tile = morecantile.tms.get("WebMercatorQuad").tile(*POINT, 15)
    response = client.get(f"/collections/facilities/tiles/WebMercatorQuad/15/{tile.y}/{tile.x}")
    assert response.status_code == 200
    return response.headers["etag"]


def test_tiles_see_edits(editing: Editing) -> None:
    planner = editing.client("planner1")
    before = _tile_etag(planner)
    assert create(planner).status_code == 201
    deadline = time.monotonic() + 5
    while _tile_etag(planner) == before:  # the version arrives by NOTIFY
        assert time.monotonic() < deadline, "the tile did not change after an edit"
        time.sleep(0.05)
