"""Feature history over real HTTP and PostGIS: versions with actor and changed fields, the layer
as of an instant, revert (a new version equal to the old one), and the history kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from gis_core.catalog import catalog
from tests.api.editing import Editing, editing_server

GEOJSON = {"Content-Type": "application/geo+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
MOVED = [139.4401, 35.7502]


@pytest.fixture
def editing(fresh_db_url: URL) -> Iterator[Editing]:
    with editing_server(fresh_db_url) as server:
        yield server


def edited_facility(editing: Editing) -> tuple[int, dict[str, Any], dict[str, Any]]:
    """A loaded facility, then planner1 changes its address, then planner2 moves and renames
    it. Returns its id, the feature as loaded and the versions document."""
    planner1, planner2 = editing.client("planner1"), editing.client("planner2")
    fid = planner1.get("/collections/facilities/items?limit=1").json()["features"][0]["id"]
    url = f"/collections/facilities/items/{fid}"
    original = planner1.get(url)
    first = planner1.patch(url, json={"properties": {"address": "中央3-930"}},
                           headers={**MERGE_PATCH, "If-Match": original.headers["etag"]})
    second = planner2.patch(url, json={"geometry": {"type": "Point", "coordinates": MOVED},
                                       "properties": {"name": "新しい名前"}},
                            headers={**MERGE_PATCH, "If-Match": first.headers["etag"]})
    assert second.status_code == 200, second.text
    versions = planner1.get(f"{url}/versions")
    assert versions.status_code == 200 and versions.headers["etag"] == second.headers["etag"]
    return fid, original.json(), versions.json()


def test_versions_list_who_when_and_what_changed(editing: Editing) -> None:
    _, _, doc = edited_facility(editing)
    versions = doc["versions"]
    assert [(v["version"], v["op"], v["actor"]) for v in versions] == [
        (1, "insert", "citygis load"), (2, "update", "planner1"), (3, "update", "planner2")]
    assert versions[1]["changed"] == ["address"]
    assert versions[2]["changed"] == ["name", "geometry"]
    assert versions[1]["validTo"] == versions[2]["validFrom"]
    assert versions[2]["validTo"] is None
    assert versions[0]["links"][0]["href"].endswith("/versions/1")


def test_a_version_is_the_feature_as_it_was(editing: Editing) -> None:
    fid, original, _ = edited_facility(editing)
    old = editing.client("planner1").get(f"/collections/facilities/items/{fid}/versions/1")
    assert old.status_code == 200
    assert old.json()["geometry"] == original["geometry"]
    assert old.json()["properties"] == original["properties"]
    assert editing.client("planner1").get(
        f"/collections/facilities/items/{fid}/versions/9").status_code == 404


def test_the_layer_as_of_an_instant(editing: Editing) -> None:
    fid, original, doc = edited_facility(editing)
    reader = editing.client()  # as-of is for every reader of the layer
    between = doc["versions"][1]["validFrom"]  # after planner1's edit, before planner2's
    then = reader.get("/collections/facilities/items", params={"as-of": between, "limit": 1000})
    assert then.status_code == 200, then.text
    past = next(f for f in then.json()["features"] if f["id"] == fid)
    assert past["geometry"] == original["geometry"]
    assert past["properties"]["name"] == original["properties"]["name"]
    assert past["properties"]["address"] == "中央3-930"
    assert past["properties"]["feature_version"] == 2
    now = reader.get("/collections/facilities/items", params={"limit": 1000}).json()
    assert then.json()["numberReturned"] == now["numberReturned"]
    current = next(f for f in now["features"] if f["id"] == fid)
    assert current["geometry"]["coordinates"] == MOVED
    before_load = reader.get("/collections/facilities/items", params={"as-of": "2001-01-01T00:00Z"})
    assert before_load.json()["numberReturned"] == 0
    filtered = reader.get("/collections/facilities/items", params={
        "as-of": between, "filter": f"name = '{original['properties']['name']}'"})
    assert fid in [f["id"] for f in filtered.json()["features"]]


def test_as_of_needs_a_layer_with_history_and_a_time_zone(editing: Editing) -> None:
    reader = editing.client()
    boundary = reader.get("/collections/city_boundary/items", params={"as-of": "2026-01-01T00:00Z"})
    assert boundary.status_code == 400
    assert boundary.json()["invalid-params"][0]["name"] == "as-of"
    naive = reader.get("/collections/facilities/items", params={"as-of": "2026-01-01T00:00"})
    assert naive.status_code == 400


def test_revert_makes_a_new_version_equal_to_the_old_one(editing: Editing) -> None:
    fid, original, _ = edited_facility(editing)
    planner = editing.client("planner1")
    url = f"/collections/facilities/items/{fid}"
    current = planner.get(url).headers["etag"]
    reverted = planner.post(f"{url}/revert", params={"version": 1}, headers={"If-Match": current})
    assert reverted.status_code == 200, reverted.text
    assert reverted.headers["etag"] == '"v4"'
    feature = reverted.json()
    assert feature["geometry"] == original["geometry"]
    for name, value in original["properties"].items():
        if name not in ("updated_at", "feature_version"):
            assert feature["properties"][name] == value, name
    latest = planner.get(f"{url}/versions").json()["versions"][-1]
    assert (latest["version"], latest["op"], latest["actor"]) == (4, "update", "planner1")
    assert set(latest["changed"]) == {"address", "name", "geometry"}
    rows = editing.fetch("SELECT action, detail->>'toVersion' FROM audit_log "
                         "WHERE target = $1 AND action = 'feature.revert'", f"facilities/{fid}")
    assert [tuple(r) for r in rows] == [("feature.revert", "1")]


def test_revert_with_a_stale_if_match_is_412(editing: Editing) -> None:
    fid, _, _ = edited_facility(editing)
    planner = editing.client("planner1")
    url = f"/collections/facilities/items/{fid}"
    stale = planner.post(f"{url}/revert", params={"version": 1}, headers={"If-Match": '"v2"'})
    assert stale.status_code == 412 and stale.headers["etag"] == '"v3"'
    assert len(planner.get(f"{url}/versions").json()["versions"]) == 3
    no_version = planner.post(f"{url}/revert", params={"version": 1})
    assert no_version.status_code == 428  # planner2 wrote the current version


def test_a_deleted_feature_is_restored_by_reverting(editing: Editing) -> None:
    planner = editing.client("planner1")
    fid = planner.get("/collections/facilities/items?limit=1").json()["features"][0]["id"]
    url = f"/collections/facilities/items/{fid}"
    original = planner.get(url)
    assert planner.delete(url, headers={"If-Match": original.headers["etag"]}).status_code == 204
    versions = planner.get(f"{url}/versions")
    assert versions.json()["versions"][-1]["op"] == "delete"
    restored = planner.post(f"{url}/revert", params={"version": 1},
                            headers={"If-Match": versions.headers["etag"]})
    assert restored.status_code == 200, restored.text
    assert restored.json()["properties"]["name"] == original.json()["properties"]["name"]
    assert planner.get(url).json()["properties"]["feature_version"] == 3
    ops = [v["op"] for v in planner.get(f"{url}/versions").json()["versions"]]
    assert ops == ["insert", "delete", "insert"]


def test_history_is_for_editors(editing: Editing) -> None:
    fid = editing.client().get("/collections/facilities/items?limit=1").json()["features"][0]["id"]
    path = f"/collections/facilities/items/{fid}/versions"
    assert editing.client().get(path).status_code == 401
    assert editing.client("citizen1").get(path).status_code == 403
    assert editing.client("planner1").get(path).status_code == 200
    assert editing.client("planner1").get(
        "/collections/facilities/items/999999/versions").status_code == 404


def test_history_is_kept(editing: Editing) -> None:
    async def tamper(conn: asyncpg.Connection) -> None:
        await conn.execute("UPDATE feature_version SET actor = 'someone else'")
    with pytest.raises(asyncpg.RaiseError, match="kept"):
        editing.db(tamper)

    async def erase(conn: asyncpg.Connection) -> None:
        await conn.execute("DELETE FROM feature_version")
    with pytest.raises(asyncpg.RaiseError, match="kept"):
        editing.db(erase)


def test_every_editable_layer_keeps_history(editing: Editing) -> None:
    """Each editable layer's table has the trigger (with its layer id) and a column for each
    field a client may write."""
    for layer in catalog:
        if not layer.may_edit(layer.edit_roles):
            continue
        triggers = editing.fetch(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass "
            "AND tgfoid = 'citygis_feature_history'::regproc "
            "AND encode(tgargs, 'escape') = $2", layer.table, f"{layer.id}\\000")
        assert len(triggers) == 2, layer.id
        columns = {r[0] for r in editing.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0",
            layer.table)}
        assert {f.name for f in layer.editable_fields} <= columns, layer.id
