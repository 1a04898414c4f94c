"""Real clients against the live server: GDAL's OAPIF driver (ogrinfo, ogr2ogr), owslib and
vector tiles decoded with mapbox_vector_tile. A missing client fails the test; nothing skips."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import mapbox_vector_tile
import morecantile
import pytest
from owslib.ogcapi.features import Features
from pyproj import Transformer

from gis_core.catalog import VERSION_PROPERTY
from tests.conftest import LiveServer

TMS = morecantile.tms.get("WebMercatorQuad")
CITY_HALL = (139.4265, 35.7454)
EPSG_6677 = "http://www.opengis.net/def/crs/EPSG/0/6677"
SHELTER_BBOX = (139.41, 35.73, 139.44, 35.76)


# --- GDAL ---------------------------------------------------------------------------------

def gdal(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a GDAL tool with HTTP debug output (one ``HTTP: Fetch(url)`` line per request)."""
    path = shutil.which(tool)
    assert path, f"{tool} is missing: install Debian's gdal-bin"
    result = subprocess.run([path, "--debug", "on", *args], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ERROR" not in result.stderr, [ln for ln in result.stderr.splitlines() if "ERROR" in ln]
    return result


def fetched(result: subprocess.CompletedProcess[str], fragment: str = "") -> list[str]:
    """The URLs GDAL requested, in order."""
    urls = re.findall(r"HTTP: Fetch\((.*?)\)$", result.stderr, flags=re.MULTILINE)
    return [url for url in urls if fragment in url]


def read_geojson(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())["features"]


def number_matched(http: httpx.Client, collection: str, **params: str) -> int:
    body = http.get(f"/collections/{collection}/items", params={"limit": "1", **params}).json()
    return body["numberMatched"]


def limit_maximum(http: httpx.Client) -> int:
    """The limit maximum of the items path in the OpenAPI document (what GDAL >= 3.8 reads)."""
    doc = http.get("/api").json()
    parameters = doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    return int(limit["schema"]["maximum"])


def test_ogrinfo_lists_every_collection(live_server: LiveServer, http: httpx.Client) -> None:
    result = gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{live_server.url}")
    layers = re.findall(r"^Layer name: (\S+)$", result.stdout, flags=re.MULTILINE)
    expected = [c["id"] for c in http.get("/collections").json()["collections"]]
    assert layers == expected
    assert "Feature Count: 1\n" in result.stdout.split("Layer name: city_boundary")[1]


def test_ogrinfo_reports_the_feature_count(live_server: LiveServer, http: httpx.Client) -> None:
    result = gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{live_server.url}", "roads")
    count = int(re.search(r"^Feature Count: (\d+)$", result.stdout, flags=re.MULTILINE)[1])
    assert count == number_matched(http, "roads") > 500
    assert "Geometry: Line String" in result.stdout


def test_ogr2ogr_follows_next_links_through_the_whole_layer(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    """GDAL 3.6 asks for 10 features a page by default: every page must come, once."""
    out = tmp_path / "roads.geojson"
    result = gdal("ogr2ogr", "-preserve_fid", "-f", "GeoJSON", str(out),
                  f"OAPIF:{live_server.url}", "roads")
    ids = [f["id"] for f in read_geojson(out)]
    total = number_matched(http, "roads")
    assert len(ids) == len(set(ids)) == total
    offsets = [int(m[1]) for url in fetched(result, "/items")
               if (m := re.search(r"offset=(\d+)", url))]
    assert offsets == list(range(10, total, 10))  # the server's rel=next links, in order


def test_ogr2ogr_pages_with_the_advertised_limit(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    """With the page size the OpenAPI document allows, the whole layer takes a few requests.

    GDAL 3.6 does not read the maximum itself (3.8 does, and defaults to 1000), so the test
    passes it as PAGE_SIZE, as a user of this GDAL would."""
    page = limit_maximum(http)
    assert page >= 1000
    out = tmp_path / "roads.geojson"
    result = gdal("ogr2ogr", "-preserve_fid", "-oo", f"PAGE_SIZE={page}", "-f", "GeoJSON",
                  str(out), f"OAPIF:{live_server.url}", "roads")
    ids = [f["id"] for f in read_geojson(out)]
    assert len(ids) == len(set(ids)) == number_matched(http, "roads")
    requests = fetched(result, "/items")
    assert requests and all(f"limit={page}" in url for url in requests)
    assert len(requests) <= 3, requests


def test_gdal_accepts_the_openapi_document(live_server: LiveServer) -> None:
    """GDAL asks /api for OpenAPI 3.0 or plain JSON; a 3.1-only answer made it give up. It
    follows the landing page's 3.0 service-desc link (``/api?version=3.0``)."""
    result = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}", "roads",
                  "-where", "kind = 'primary'")
    assert any(urlsplit(url).path == "/api" for url in fetched(result))
    assert "Unexpected Content-Type" not in result.stderr


def test_ogr2ogr_spatial_filter_is_the_servers_bbox(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    out = tmp_path / "shelters.geojson"
    result = gdal("ogr2ogr", "-preserve_fid", "-spat", *map(str, SHELTER_BBOX), "-f", "GeoJSON",
                  str(out), f"OAPIF:{live_server.url}", "shelters")
    assert any("bbox=" in url for url in fetched(result, "/items"))
    from_gdal = {f["id"] for f in read_geojson(out)}
    from_server = http.get("/collections/shelters/items", params={
        "bbox": ",".join(map(str, SHELTER_BBOX)), "limit": "1000"}).json()
    assert from_gdal == {f["id"] for f in from_server["features"]}
    assert 0 < len(from_gdal) < number_matched(http, "shelters")


def test_ogr2ogr_in_plane_rectangular_crs_agrees_with_server_and_pyproj(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    """GDAL 3.6's OAPIF driver has no CRS open option (3.7 adds CRS/PREFERRED_CRS): GDAL reads
    CRS84 and reprojects. Its EPSG:6677 output (easting, northing: GDAL's traditional order)
    must match the server's crs=EPSG:6677 answer (northing first, as EPSG defines) and pyproj."""
    out = tmp_path / "shelters_6677.geojson"
    gdal("ogr2ogr", "-preserve_fid", "-t_srs", "EPSG:6677", "-f", "GeoJSON", str(out),
         f"OAPIF:{live_server.url}", "shelters")
    from_gdal = {f["id"]: f["geometry"]["coordinates"] for f in read_geojson(out)}
    in_plane = http.get("/collections/shelters/items",
                        params={"crs": EPSG_6677, "limit": "1000"}).json()["features"]
    in_degrees = http.get("/collections/shelters/items", params={"limit": "1000"}).json()
    to_plane = Transformer.from_crs(4326, 6677, always_xy=True)
    lon_lat = {f["id"]: f["geometry"]["coordinates"] for f in in_degrees["features"]}
    assert from_gdal.keys() == lon_lat.keys() == {f["id"] for f in in_plane}
    for feature in in_plane:
        northing, easting = feature["geometry"]["coordinates"]
        expected = to_plane.transform(*lon_lat[feature["id"]])
        assert from_gdal[feature["id"]] == pytest.approx(expected, abs=0.01)
        assert (easting, northing) == pytest.approx(expected, abs=0.01)
        assert -60_000 < northing < 0 and -60_000 < easting < 0  # zone IX origin 36N 139°50'E


def test_gdal_reads_lon_lat_as_the_server_writes_them(
    live_server: LiveServer, http: httpx.Client, tmp_path: Path
) -> None:
    out = tmp_path / "chome.geojson"
    gdal("ogr2ogr", "-preserve_fid", "-f", "GeoJSON", str(out), f"OAPIF:{live_server.url}",
         "chome")
    from_gdal = {f["id"]: f["geometry"]["coordinates"] for f in read_geojson(out)}
    served = http.get("/collections/chome/items", params={"limit": "1000"}).json()["features"]
    assert len(from_gdal) == len(served) == 76
    for feature in served:
        assert from_gdal[feature["id"]] == pytest.approx(feature["geometry"]["coordinates"])


# --- owslib -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def owslib_features(live_server: LiveServer) -> Features:
    return Features(live_server.url)


def test_owslib_landing_and_conformance(owslib_features: Features) -> None:
    rels = {link["rel"] for link in owslib_features.links}
    assert {"service-desc", "conformance", "data"} <= rels
    classes = owslib_features.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_owslib_collections(owslib_features: Features) -> None:
    ids = owslib_features.feature_collections()
    assert {"city_boundary", "chome", "roads", "shelters"} <= set(ids)
    shelters = owslib_features.collection("shelters")
    assert shelters["id"] == "shelters" and shelters["itemType"] == "feature"
    assert "queryables" in owslib_features.collection_queryables("shelters")["$id"]


def test_owslib_items_with_bbox_and_limit(owslib_features: Features, http: httpx.Client) -> None:
    page = owslib_features.collection_items("shelters", bbox=list(SHELTER_BBOX), limit=3)
    assert page["numberReturned"] == len(page["features"]) == 3
    assert page["numberMatched"] > 3
    assert any(link["rel"] == "next" for link in page["links"])
    for feature in page["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert SHELTER_BBOX[0] <= lon <= SHELTER_BBOX[2]
        assert SHELTER_BBOX[1] <= lat <= SHELTER_BBOX[3]
    everything = owslib_features.collection_items("shelters", limit=1000)
    assert everything["numberReturned"] == number_matched(http, "shelters")


def test_owslib_single_item(owslib_features: Features) -> None:
    feature = owslib_features.collection_item("shelters", "1")
    assert feature["type"] == "Feature" and feature["id"] == 1
    assert "capacity" in feature["properties"]
    with pytest.raises(RuntimeError, match="featureId"):
        owslib_features.collection_item("shelters", "999999")


# --- vector tiles -------------------------------------------------------------------------

def tile_path(prefix: str, tile: morecantile.Tile) -> str:
    return f"{prefix}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"  # row before column


def test_basemap_tile_over_the_city_holds_the_base_layers(http: httpx.Client) -> None:
    """Each feature carries the layer's declared attributes (MVT leaves out null values)."""
    response = http.get(tile_path("", TMS.tile(*CITY_HALL, 14)))
    assert response.status_code == 200
    layers = mapbox_vector_tile.decode(response.content)
    assert {"city_boundary", "roads", "chome_areas"} <= layers.keys()
    for name in ("city_boundary", "roads", "chome_areas"):
        features = layers[name]["features"]
        assert features, name
        declared = {f["name"] for f in http.get(f"/collections/{name}").json()["x-fields"]}
        for feature in features[:5]:
            item = http.get(f"/collections/{name}/items/{feature['id']}").json()
            not_null = {k for k, v in item["properties"].items()
                        if v is not None and k != VERSION_PROPERTY}  # editing metadata
            assert feature["properties"].keys() == not_null <= declared, name


def test_layer_tile_holds_exactly_the_shelters_inside_it(http: httpx.Client) -> None:
    tile = TMS.tile(*CITY_HALL, 14)
    response = http.get(tile_path("/collections/shelters", tile))
    assert response.status_code == 200
    decoded = mapbox_vector_tile.decode(response.content)
    in_tile = {f["id"] for f in decoded["shelters"]["features"]}
    bounds = TMS.bounds(tile)
    items = http.get("/collections/shelters/items", params={
        "bbox": f"{bounds.left},{bounds.bottom},{bounds.right},{bounds.top}",
        "limit": "1000"}).json()
    assert in_tile and in_tile == {f["id"] for f in items["features"]}
    assert in_tile < {f["id"] for f in http.get(
        "/collections/shelters/items", params={"limit": "1000"}).json()["features"]}


def test_tile_metadata_links_resolve(http: httpx.Client) -> None:
    for prefix in ("", "/collections/shelters"):
        tileset = http.get(f"{prefix}/tiles/WebMercatorQuad").json()
        for link in tileset["links"]:
            href = link["href"]
            if link.get("templated"):
                tile = TMS.tile(*CITY_HALL, 14)
                href = href.format(tileMatrix=tile.z, tileRow=tile.y, tileCol=tile.x)
            assert http.get(href).status_code == 200, href
        tilejson = http.get(f"{prefix}/tiles/WebMercatorQuad/tilejson.json").json()
        z = max(tilejson["minzoom"], 14)
        tile = TMS.tile(*CITY_HALL, z)
        url = tilejson["tiles"][0].format(z=tile.z, x=tile.x, y=tile.y)
        assert http.get(url).status_code == 200, url
