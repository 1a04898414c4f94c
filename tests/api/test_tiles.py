"""Vector tiles: content, ETags, the server-side cache and its invalidation on layer change."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import mapbox_vector_tile
import morecantile
import pytest
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from tests.conftest import LiveServer

TMS = morecantile.tms.get("WebMercatorQuad")
CITY_HALL = (139.4265, 35.7454)


def tile_url(prefix: str, z: int, lon: float = CITY_HALL[0], lat: float = CITY_HALL[1]) -> str:
    tile = TMS.tile(lon, lat, z)
    return f"{prefix}/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"


def test_basemap_tile_holds_the_base_layers(http: httpx.Client) -> None:
    response = http.get(tile_url("", 14))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(response.content)
    assert {"city_boundary", "chome_areas", "roads", "facilities", "shelters"} <= layers.keys()
    names = {f["properties"]["name"] for f in layers["chome_areas"]["features"]}
    assert "中央三丁目" in names


def test_layers_below_their_min_zoom_are_left_out(http: httpx.Client) -> None:
    layers = mapbox_vector_tile.decode(http.get(tile_url("", 10)).content)
    assert "city_boundary" in layers and "chome" not in layers  # chome from z13


def test_empty_tile_is_204(http: httpx.Client) -> None:
    assert http.get("/collections/roads/tiles/WebMercatorQuad/14/0/0").status_code == 204


def test_etag_revalidation_answers_304(http: httpx.Client) -> None:
    url = tile_url("/collections/roads", 15)
    first = http.get(url)
    etag = first.headers["etag"]
    again = http.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert http.get(url).content == first.content


def test_tiles_are_served_gzipped_to_clients_that_accept_it(http: httpx.Client) -> None:
    url = tile_url("", 15)
    gzipped = http.get(url, headers={"Accept-Encoding": "gzip"})
    plain = http.get(url, headers={"Accept-Encoding": "identity"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzipped.content == plain.content  # httpx has gunzipped it
    assert int(gzipped.headers["content-length"]) < int(plain.headers["content-length"])
    assert gzipped.headers["etag"] != plain.headers["etag"]
    assert "Accept-Encoding" in gzipped.headers["vary"]
    assert mapbox_vector_tile.decode(plain.content)["roads"]["features"]


def test_tilejson_and_tileset_metadata(http: httpx.Client) -> None:
    tilejson = http.get("/tiles/WebMercatorQuad/tilejson.json").json()
    assert tilejson["tiles"][0].endswith("/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert "国土数値情報" in tilejson["attribution"] and "サンプル" in tilejson["attribution"]
    assert {lyr["id"] for lyr in tilejson["vector_layers"]} >= {"roads", "shelters"}
    tileset = http.get("/collections/shelters/tiles/WebMercatorQuad").json()
    assert any(lk["rel"] == "item" and lk["templated"] for lk in tileset["links"])
    tms = http.get("/tileMatrixSets/WebMercatorQuad").json()
    assert tms["id"] == "WebMercatorQuad"


@pytest.fixture
def editable_server(fresh_db_url: URL) -> Iterator[tuple[LiveServer, URL]]:
    with LiveServer(fresh_db_url) as server:
        yield server, fresh_db_url


def _wait_for_new_etag(client: httpx.Client, url: str, old: str) -> httpx.Response:
    deadline = time.monotonic() + 5
    while True:
        response = client.get(url, headers={"If-None-Match": old})
        if response.status_code != 304 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_a_changed_layer_is_never_served_from_the_cache(
    editable_server: tuple[LiveServer, URL],
) -> None:
    server, url = editable_server
    tile = tile_url("/collections/shelters", 13)
    with httpx.Client(base_url=server.url) as client:
        before = client.get(tile)
        assert client.get(tile).content == before.content
        assert server.app.state.tile_cache.hits >= 1
        with psycopg_connect(url) as conn:
            conn.execute("UPDATE shelter SET name = '改名した避難所' WHERE id = (SELECT id "
                         "FROM shelter ORDER BY geom <-> ST_Point(%s, %s, 4326) LIMIT 1)",
                         CITY_HALL)
            conn.commit()
        after = _wait_for_new_etag(client, tile, before.headers["etag"])
        basemap = client.get(tile_url("", 13))
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    names = {f["properties"]["name"]
             for f in mapbox_vector_tile.decode(after.content)["shelters"]["features"]}
    assert "改名した避難所" in names
    basemap_names = {f["properties"]["name"]
                     for f in mapbox_vector_tile.decode(basemap.content)["shelters"]["features"]}
    assert "改名した避難所" in basemap_names


def test_tile_cache_stays_within_its_byte_budget() -> None:
    from gis_core.tiles import TileCache, TileKey

    cache = TileCache(max_bytes=8000)
    for x in range(20):
        cache.put(TileKey("roads", (1,), 14, x, 0), b"x" * 900)
    assert cache.size <= 8000
    assert cache.get(TileKey("roads", (1,), 14, 0, 0)) is None  # the oldest went first
    assert cache.get(TileKey("roads", (1,), 14, 19, 0)) == b"x" * 900
    cache.evict({"roads"})
    assert cache.size == 0


def test_tilejson_bounds_are_the_data_extent(http: httpx.Client) -> None:
    west, south, east, north = http.get("/tiles/WebMercatorQuad/tilejson.json").json()["bounds"]
    assert (west, south) == pytest.approx((139.3916, 35.7300), abs=0.003)
    assert (east, north) == pytest.approx((139.4516, 35.7696), abs=0.003)
