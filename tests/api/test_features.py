"""OGC API – Features Core and CRS against the loaded city."""

from __future__ import annotations

import httpx
import pytest
from pyproj import Transformer
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from gis_core.settings import get_settings
from tests.conftest import LiveServer

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


def test_landing_links_to_api_conformance_and_data(http: httpx.Client) -> None:
    doc = http.get("/").json()
    rels = {link["rel"] for link in doc["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    assert http.get("/api").json()["openapi"].startswith("3.")


def test_conformance_declares_core_geojson_and_crs(http: httpx.Client) -> None:
    classes = http.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_collections_list_every_public_layer_with_extent_and_attribution(
    http: httpx.Client,
) -> None:
    docs = {c["id"]: c for c in http.get("/collections").json()["collections"]}
    assert {"city_boundary", "chome", "chome_areas", "roads", "rivers", "water_areas",
            "facilities", "shelters"} <= docs.keys()
    boundary = docs["city_boundary"]
    minx, _miny, _maxx, maxy = boundary["extent"]["spatial"]["bbox"][0]
    assert minx == pytest.approx(139.3916, abs=0.002) and maxy == pytest.approx(35.7696, abs=0.002)
    assert "国土数値情報" in boundary["attribution"]
    assert boundary["x-source"]["isSample"] is False
    assert docs["roads"]["x-source"]["isSample"] is True
    assert "サンプル" in docs["roads"]["attribution"]
    assert CRS84 in boundary["crs"] and EPSG.format(6677) in boundary["crs"]


def test_real_chome_are_served_with_their_names(http: httpx.Client) -> None:
    response = http.get("/collections/chome/items", params={"limit": 100})
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["numberMatched"] == 76 and body["numberReturned"] == 76
    names = {f["properties"]["name"] for f in body["features"]}
    assert "芋窪四丁目" in names
    imokubo = next(f for f in body["features"] if f["properties"]["name"] == "芋窪四丁目")
    assert imokubo["geometry"]["coordinates"] == pytest.approx([139.4105, 35.75405])
    assert imokubo["properties"]["name_kana"] == "いもくぼよんちょうめ"


def test_paging_walks_the_whole_layer_once(http: httpx.Client) -> None:
    seen: list[int] = []
    url: str | None = "/collections/roads/items?limit=250"
    while url:
        body = http.get(url).json()
        seen += [f["id"] for f in body["features"]]
        url = next((lk["href"] for lk in body["links"] if lk["rel"] == "next"), None)
    total = http.get("/collections/roads/items", params={"limit": 1}).json()["numberMatched"]
    assert len(seen) == len(set(seen)) == total


def test_prev_link_on_later_pages(http: httpx.Client) -> None:
    body = http.get("/collections/roads/items", params={"limit": 10, "offset": 20}).json()
    prev = next(lk["href"] for lk in body["links"] if lk["rel"] == "prev")
    assert "offset=10" in prev


def test_bbox_selects_only_intersecting_features(http: httpx.Client) -> None:
    bbox = (139.42, 35.74, 139.43, 35.75)
    body = http.get("/collections/chome/items",
                    params={"bbox": ",".join(map(str, bbox)), "limit": 100}).json()
    assert 0 < body["numberReturned"] < 76
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def test_bbox_crs_epsg4326_is_lat_lon(http: httpx.Client) -> None:
    lon_lat = http.get("/collections/chome/items",
                       params={"bbox": "139.42,35.74,139.43,35.75", "limit": 100}).json()
    lat_lon = http.get("/collections/chome/items", params={
        "bbox": "35.74,139.42,35.75,139.43", "bbox-crs": EPSG.format(4326), "limit": 100,
    }).json()
    assert [f["id"] for f in lat_lon["features"]] == [f["id"] for f in lon_lat["features"]]


def test_crs_6677_is_northing_first_and_matches_pyproj(http: httpx.Client) -> None:
    plain = http.get("/collections/chome/items/1").json()
    response = http.get("/collections/chome/items/1", params={"crs": EPSG.format(6677)})
    assert response.headers["content-crs"] == f"<{EPSG.format(6677)}>"
    northing, easting = response.json()["geometry"]["coordinates"]
    lon, lat = plain["geometry"]["coordinates"]
    expected_e, expected_n = Transformer.from_crs(4326, 6677, always_xy=True).transform(lon, lat)
    assert northing == pytest.approx(expected_n, abs=0.01)
    assert easting == pytest.approx(expected_e, abs=0.01)


def test_crs_4326_is_lat_lon_and_3857_is_east_north(http: httpx.Client) -> None:
    lon, lat = http.get("/collections/chome/items/1").json()["geometry"]["coordinates"]
    lat_lon = http.get("/collections/chome/items/1", params={"crs": EPSG.format(4326)}).json()
    assert lat_lon["geometry"]["coordinates"] == pytest.approx([lat, lon])
    x, y = http.get("/collections/chome/items/1",
                    params={"crs": EPSG.format(3857)}).json()["geometry"]["coordinates"]
    ex, ey = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    assert (x, y) == pytest.approx((ex, ey), abs=0.01)


def test_bbox_in_plane_rectangular_crs(http: httpx.Client) -> None:
    to_plane = Transformer.from_crs(4326, 6677, always_xy=True)
    e1, n1 = to_plane.transform(139.42, 35.74)
    e2, n2 = to_plane.transform(139.43, 35.75)
    in_plane = http.get("/collections/chome/items", params={
        "bbox": f"{n1},{e1},{n2},{e2}", "bbox-crs": EPSG.format(6677), "limit": 100}).json()
    in_degrees = http.get("/collections/chome/items",
                          params={"bbox": "139.42,35.74,139.43,35.75", "limit": 100}).json()
    assert {f["id"] for f in in_degrees["features"]} <= {f["id"] for f in in_plane["features"]}


def test_property_filter(http: httpx.Client) -> None:
    body = http.get("/collections/roads/items", params={"kind": "primary", "limit": 1000}).json()
    assert body["numberReturned"] > 0
    assert {f["properties"]["kind"] for f in body["features"]} == {"primary"}
    designated = http.get("/collections/shelters/items",
                          params={"is_designated_shelter": "true", "limit": 1000}).json()
    assert designated["features"]
    assert all(f["properties"]["is_designated_shelter"] for f in designated["features"])


def test_html_views_are_readable(http: httpx.Client) -> None:
    page = http.get("/collections/chome/items", params={"f": "html", "limit": 5})
    assert page.headers["content-type"].startswith("text/html")
    assert "町丁目" in page.text and "<h1>" in page.text
    browser = http.get("/collections", headers={"Accept": "text/html,application/xhtml+xml"})
    assert "<table>" in browser.text and "サンプル" in browser.text


def test_single_feature_links_back_to_collection(http: httpx.Client) -> None:
    feature = http.get("/collections/shelters/items/1").json()
    assert feature["type"] == "Feature" and feature["id"] == 1
    assert any(lk["rel"] == "collection" for lk in feature["links"])



def test_datetime_selects_by_last_update(http: httpx.Client) -> None:
    everything = http.get("/collections/shelters/items",
                          params={"datetime": "../2100-01-01T00:00:00Z"}).json()
    assert everything["numberMatched"] == everything["numberReturned"] > 0
    long_ago = http.get("/collections/shelters/items",
                        params={"datetime": "2000-01-01T00:00:00+09:00/2000-12-31T00:00:00Z"})
    assert long_ago.json()["numberReturned"] == 0
    updated = everything["features"][0]["properties"]["updated_at"]
    assert updated.endswith("+09:00")  # Japan time
    exact = http.get("/collections/shelters/items", params={"datetime": updated}).json()
    assert exact["numberReturned"] >= 1


def test_counts_stop_at_the_cap_and_paging_goes_on(db_url: URL) -> None:
    settings = get_settings().model_copy(update={"exact_count_cap": 50})
    with LiveServer(db_url, settings) as server, httpx.Client(base_url=server.url) as client:
        large = client.get("/collections/roads/items", params={"limit": 20}).json()
        small = client.get("/collections/shelters/items",
                           params={"limit": 5, "is_designated_shelter": "true"}).json()
    assert "numberMatched" not in large
    assert any(lk["rel"] == "next" for lk in large["links"])
    with psycopg_connect(db_url) as conn:
        designated = conn.execute(
            "SELECT count(*) FROM shelter WHERE is_designated_shelter").fetchone()[0]
    assert small["numberMatched"] == designated < 50


def test_collections_describe_their_fields_for_readable_labels(http: httpx.Client) -> None:
    shelters = http.get("/collections/shelters").json()
    fields = {f["name"]: f for f in shelters["x-fields"]}
    assert fields["is_designated_shelter"]["title_ja"] == "指定避難所"
    assert fields["capacity"]["type"] == "integer"
    assert shelters["x-geometry-type"] == "Point"
