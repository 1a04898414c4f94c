"""Replays the requests QGIS's OAPIF provider sends to edit a layer, byte for byte where it
matters (src/providers/wfs/oapif in QGIS, read for this test):

- qgsoapifprovider.cpp computeCapabilities(): OPTIONS on …/items (POST in ``Allow`` → can add)
  and on …/items/<first id of ?limit=10> (PUT → change attributes and geometries, DELETE →
  delete, PATCH → use PATCH instead of PUT). Only the ``Allow`` header is read.
- qgsoapifcreatefeaturerequest.cpp: POST …/items, ``application/geo+json``, the feature as
  QgsJsonExporter writes it (nlohmann: keys sorted, compact) without ``id`` and ``bbox``, every
  field QGIS knows (null when unset); ``Content-Crs: <bare URI>`` when the layer's CRS is not
  CRS84, axes swapped for north-first CRSs. The new id is what follows "/items/" in
  ``Location``; then a GET of …/items/<id>.
- qgsoapifputfeaturerequest.cpp: PUT …/items/<id>, ``application/geo+json``, the whole feature
  from QGIS's cache with ``"id": "<id>"`` as a string, every property it read (so also
  ``feature_version`` and ``updated_at``). No If-Match. After a save QGIS updates only the
  changed attributes in its cache, so ``feature_version`` stays what it first read.
- qgsoapifpatchfeaturerequest.cpp: PATCH ``application/merge-patch+json`` with only
  ``{"geometry": …}`` (and Content-Crs) or only ``{"properties": {changed}}``. No If-Match.
- qgsoapifprovider.cpp deleteFeatures(): DELETE …/items/<id>, no body, no If-Match.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import URL

from tests.api.editing import Editing, editing_server

USER_AGENT = "Mozilla/5.0 QGIS/34400/Debian GNU/Linux 12 (bookworm)"
ITEMS = "/collections/facilities/items"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"


@pytest.fixture
def editing(fresh_db_url: URL) -> Iterator[Editing]:
    with editing_server(fresh_db_url) as server:
        yield server


def qgis(editing: Editing, user: str = "planner1") -> httpx.Client:
    """QGIS with an "API header" authentication configuration holding a bearer token."""
    return editing.client(user, headers={"User-Agent": USER_AGENT})


def exported(feature: dict[str, Any]) -> bytes:
    """What QgsJsonExporter + nlohmann's dump() make of a feature: sorted keys, compact."""
    return json.dumps(feature, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def send(client: httpx.Client, method: str, url: str, body: dict[str, Any],
         content_type: str = "application/geo+json", **headers: str) -> httpx.Response:
    return client.request(method, url, content=exported(body),
                          headers={"Content-Type": content_type, **headers})


def allowed(response: httpx.Response) -> list[str]:
    """QgsBaseNetworkRequest::sendOPTIONS: split Allow on ',' and trim."""
    return [m.strip() for m in response.headers.get("Allow", "").split(",")]


def load_layer(client: httpx.Client) -> tuple[list[dict[str, Any]], bool, bool]:
    """The requests of opening the layer and computeCapabilities(): returns the first page of
    features, whether QGIS may edit and whether it would use PATCH."""
    assert client.get("/collections/facilities", headers={"Accept": "application/json"}
                      ).status_code == 200
    conformance = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
    page = client.get(f"{ITEMS}?limit=10",
                      headers={"Accept": "application/geo+json, application/json"}).json()
    can_add = "POST" in allowed(client.options(ITEMS))
    one = allowed(client.options(f"{ITEMS}/{page['features'][0]['id']}"))
    return page["features"], can_add and "PUT" in one and "DELETE" in one, "PATCH" in one


def new_feature(fields: list[str], **values: Any) -> dict[str, Any]:
    """A feature added in QGIS: every field the layer has, null unless set."""
    return {"geometry": {"coordinates": [139.43123456789, 35.74512345678], "type": "Point"},
            "properties": {name: values.get(name) for name in fields}, "type": "Feature"}


def test_qgis_opens_the_layer_as_editable_and_edits_with_put(editing: Editing) -> None:
    client = qgis(editing)
    features, editable, uses_patch = load_layer(client)
    assert editable and not uses_patch
    assert "feature_version" in features[0]["properties"]
    assert allowed(qgis(editing, "citizen1").options(ITEMS)) == ["GET", "OPTIONS"]


def test_qgis_adds_a_feature_and_reads_its_id_from_location(editing: Editing) -> None:
    client = qgis(editing)
    features, _, _ = load_layer(client)
    fields = list(features[0]["properties"])
    body = new_feature(fields, name="QGIS で追加", kind="library", category_ja="図書館",
                       is_sample=True)
    created = send(client, "POST", ITEMS, body)
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    created_id = location[location.rindex("/items/") + len("/items/"):]
    fetched = client.get(f"{ITEMS}/{created_id}",
                         headers={"Accept": "application/geo+json, application/json"})
    assert fetched.status_code == 200
    assert fetched.json()["properties"]["name"] == "QGIS で追加"
    assert fetched.json()["properties"]["feature_version"] == 1


def test_qgis_saves_twice_from_its_cache_and_loses_to_another_planner(editing: Editing) -> None:
    client = qgis(editing)
    features, _, _ = load_layer(client)
    cached = {**features[0], "id": str(features[0]["id"])}  # QGIS sends the id as a string
    cached.pop("links", None)
    url = f"{ITEMS}/{features[0]['id']}"
    cached["properties"]["updated_at"] = "2026-04-01T09:00:00.000+09:00"  # as QGIS formats it
    cached["properties"]["address"] = "東大和市中央三丁目"
    first = send(client, "PUT", url, cached)
    assert first.status_code == 200, first.text
    cached["properties"]["name_kana"] = "とうやまとし"  # feature_version still as first read
    second = send(client, "PUT", url, cached)
    assert second.status_code == 200, second.text
    saved = client.get(url).json()["properties"]
    assert (saved["address"], saved["name_kana"]) == ("東大和市中央三丁目", "とうやまとし")

    other = editing.client("planner2")
    current = other.get(url)
    assert other.patch(url, json={"properties": {"name": "別の計画担当が変更"}},
                       headers={"Content-Type": "application/merge-patch+json",
                                "If-Match": current.headers["etag"]}).status_code == 200
    cached["properties"]["address"] = "上書きしようとする住所"
    lost = send(client, "PUT", url, cached)
    assert lost.status_code == 412, lost.text
    assert client.get(url).json()["properties"]["name"] == "別の計画担当が変更"


def test_qgis_in_a_north_first_crs_sends_bare_content_crs_and_swapped_axes(
        editing: Editing) -> None:
    client = qgis(editing)
    features, _, _ = load_layer(client)
    body = new_feature(list(features[0]["properties"]), name="緯度経度順", kind="library",
                       category_ja="図書館", is_sample=True)
    body["geometry"]["coordinates"] = body["geometry"]["coordinates"][::-1]  # lat, lon
    created = send(client, "POST", ITEMS, body, **{"Content-Crs": EPSG_4326})
    assert created.status_code == 201, created.text
    assert created.json()["geometry"]["coordinates"] == [139.4312346, 35.7451235]


def test_patch_as_qgis_would_send_it_needs_a_version(editing: Editing) -> None:
    """Why ``Allow`` does not list PATCH: QGIS's merge patches carry no version, so on a
    feature someone else wrote last they can only be refused (428)."""
    client = qgis(editing)
    features, _, _ = load_layer(client)
    url = f"{ITEMS}/{features[0]['id']}"
    geometry = {"geometry": {"coordinates": [35.7452, 139.4311], "type": "Point"}}
    patch = "application/merge-patch+json"
    refused = send(client, "PATCH", url, geometry, patch, **{"Content-Crs": EPSG_4326})
    assert refused.status_code == 428
    assert send(client, "PATCH", url, {"properties": {"name": "x"}}, patch).status_code == 428
    created = send(client, "POST", ITEMS, new_feature(
        list(features[0]["properties"]), name="自分の施設", kind="library", category_ja="図書館",
        is_sample=True))
    own = created.headers["Location"]
    moved = send(client, "PATCH", own, geometry, patch, **{"Content-Crs": EPSG_4326})
    assert moved.status_code == 200  # the caller wrote the current version
    assert moved.json()["geometry"]["coordinates"] == [139.4311, 35.7452]


def test_qgis_deletes_what_it_wrote_last_but_not_others_edits(editing: Editing) -> None:
    client = qgis(editing)
    features, _, _ = load_layer(client)
    loaded = client.delete(f"{ITEMS}/{features[0]['id']}")
    assert loaded.status_code == 428  # last written by the loader, not by this planner
    created = send(client, "POST", ITEMS, new_feature(
        list(features[0]["properties"]), name="消す施設", kind="library", category_ja="図書館",
        is_sample=True))
    assert client.delete(created.headers["Location"]).status_code == 204
