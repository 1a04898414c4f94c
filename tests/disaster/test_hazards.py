"""Hazard rasters and zones: the sample scenario, PNG tiles and legend, values at a point,
GeoTIFF imports with reprojection, bad rasters, A33 土砂災害警戒区域."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import geopandas as gpd
import morecantile
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.io import MemoryFile
from rasterio.transform import from_origin
from rasterio.warp import transform as warp_transform
from shapely.geometry import Polygon

from data import hazard_scenario, samples
from data.hazard_load import write_scenario
from data.importers.base import ImportFailed
from data.importers.hazards import RasterSource, import_a33, import_flood_depth
from data.load import CityInputs
from gis_core.database import psycopg_connect
from gis_core.settings import get_settings
from tests.disaster.conftest import UPLOAD_LIMIT, DisasterServer

HALL = (139.4265, 35.7454)
TMS = morecantile.tms.get("WebMercatorQuad")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def geotiff(path: Path, crs: str | None, centre: tuple[float, float], cell: float,
            size: int = 60, block: float = 4.0) -> Path:
    """A depth raster of 1.2 m with a block of ``block`` m at ``centre`` (in ``crs`` units)."""
    values = np.full((size, size), 1.2, dtype="float32")
    values[size // 2 - 3: size // 2 + 3, size // 2 - 3: size // 2 + 3] = block
    affine = from_origin(centre[0] - size / 2 * cell, centre[1] + size / 2 * cell, cell, cell)
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs=crs, transform=affine, nodata=-9999) as out:
        out.write(values, 1)
    return path


def projected(lon: float, lat: float, crs: str) -> tuple[float, float]:
    (x,), (y,) = warp_transform("EPSG:4326", crs, [lon], [lat])
    return x, y


def hazard(client, lon: float, lat: float, raster: str) -> dict:
    found = client.get("/hazards/at", params={"lon": lon, "lat": lat}).json()["hazards"]
    return next(h for h in found if h.get("raster") == raster)


# --- the sample scenario --------------------------------------------------------------------


def test_scenario_is_deterministic_and_labelled(tmp_path: Path) -> None:
    first, second = tmp_path / "a.tif", tmp_path / "b.tif"
    write_scenario(CityInputs(get_settings().data_dir), first)
    write_scenario(CityInputs(get_settings().data_dir), second)
    assert sha256(first) == sha256(second)
    with rasterio.open(first) as src:
        assert src.crs.to_epsg() == 6677 and src.overviews(1)
        assert src.tags()["CITYGIS_SCENARIO"] == "想定シナリオ（サンプル）"
        assert "sample scenario" in src.tags()["TIFFTAG_IMAGEDESCRIPTION"]


def _river_point() -> tuple[float, float]:
    inputs = CityInputs(get_settings().data_dir)
    river = samples.rivers(inputs.shape).to_crs(6677).union_all()
    inside = inputs.shape.boundary.buffer(-300)
    point = shapely.get_parts(river.intersection(inside))[0].interpolate(0.5, normalized=True)
    return gpd.GeoSeries([point], crs=6677).to_crs(4326).iloc[0].coords[0]


def _far_point() -> tuple[float, float]:
    inputs = CityInputs(get_settings().data_dir)
    river = samples.rivers(inputs.shape).to_crs(6677).union_all()
    boundary = inputs.shape.boundary.buffer(-100)
    minx, miny, maxx, maxy = boundary.bounds
    for x in np.linspace(minx, maxx, 25):
        for y in np.linspace(miny, maxy, 25):
            point = shapely.Point(x, y)
            if boundary.contains(point) and point.distance(river) > 900:
                return gpd.GeoSeries([point], crs=6677).to_crs(4326).iloc[0].coords[0]
    raise AssertionError("no point far from the rivers")


def test_value_on_the_river_and_far_from_it(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        on_river = hazard(client, *_river_point(), "flood_depth")
        far = hazard(client, *_far_point(), "flood_depth")
        outside = hazard(client, 139.30, 35.64, "flood_depth")  # in the service area, off the map
    assert on_river["value"] > 0.5 and on_river["label_ja"] and on_river["is_sample"]
    assert "サンプル" in on_river["title_ja"]
    assert far["value"] == 0 and far["label_ja"] is None
    assert outside["value"] is None


def test_places_at_shows_the_hazards(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        place = client.get("/places/at", params=dict(zip(("lon", "lat"), _river_point(),
                                                         strict=True))).json()
    kinds = {h["kind"] for h in place["hazards"]}
    assert {"flood_depth", "flood_zone"} <= kinds
    assert "想定シナリオ" in place["summary_ja"]


def test_legend_has_the_standard_depth_classes(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        legend = client.get("/rasters/flood_depth/legend").json()
    assert [c["label_ja"] for c in legend["classes"]] == [
        "0.5m未満", "0.5m以上3.0m未満", "3.0m以上5.0m未満", "5.0m以上10.0m未満",
        "10.0m以上20.0m未満", "20.0m以上"]
    assert legend["classes"][1]["colour"] == "#ffd8c0" and legend["is_sample"]
    assert "サンプル" in legend["title"]


def _cell_of_class(path: Path, low: float, high: float) -> tuple[float, float, float]:
    """lon, lat and depth of a cell whose 5×5 neighbours are all in [low, high)."""
    with rasterio.open(path) as src:
        band = src.read(1)
        inside = (band >= low) & (band < high)
        for row, col in zip(*np.nonzero(inside), strict=True):
            if inside[row - 2: row + 3, col - 2: col + 3].all():
                x, y = src.xy(row, col)
                (lon,), (lat,) = warp_transform(src.crs, "EPSG:4326", [x], [y])
                return lon, lat, float(band[row, col])
    raise AssertionError("no such cell")


def _decode_png(data: bytes) -> np.ndarray:
    with MemoryFile(data) as memory, memory.open() as image:
        assert image.driver == "PNG" and image.count == 4
        return image.read()


def test_tile_colour_matches_the_legend_and_revalidates(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        path = Path(_registered_path(disaster))
        lon, lat, depth = _cell_of_class(path, 0.5, 3.0)
        tile = TMS.tile(lon, lat, 16)
        url = f"/rasters/flood_depth/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
        response = client.get(url)
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        rgba = _decode_png(response.content)
        bounds = TMS.xy_bounds(tile)
        x, y = TMS.xy(lon, lat)
        col = int((x - bounds.left) / (bounds.right - bounds.left) * 256)
        row = int((bounds.top - y) / (bounds.top - bounds.bottom) * 256)
        assert tuple(rgba[:3, row, col]) == (0xFF, 0xD8, 0xC0), depth
        assert rgba[3, row, col] > 0
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
        far = TMS.tile(139.9, 35.9, 12)
        empty = client.get(f"/rasters/flood_depth/tiles/WebMercatorQuad/12/{far.y}/{far.x}")
        assert empty.status_code == 200 and not _decode_png(empty.content)[3].any()


def _registered_path(disaster: DisasterServer, raster_id: str = "flood_depth") -> str:
    with psycopg_connect(disaster.url) as conn:
        return conn.execute("SELECT path FROM hazard_raster WHERE id = %s",
                            (raster_id,)).fetchone()[0]


# --- imports and uploads --------------------------------------------------------------------


def test_upload_in_web_mercator_is_reprojected(disaster: DisasterServer, tmp_path: Path
                                               ) -> None:
    source = geotiff(tmp_path / "depth_3857.tif", "EPSG:3857", projected(*HALL, "EPSG:3857"),
                     cell=12.0)
    with disaster.client("disaster_officer") as client:
        created = client.put("/rasters/upload_test", content=source.read_bytes(),
                             params={"source": "テスト", "title_ja": "試験"})
        assert created.status_code == 201, created.text
        assert hazard(client, *HALL, "upload_test")["value"] == pytest.approx(4.0)
        east = hazard(client, HALL[0] + 0.0025, HALL[1], "upload_test")  # ~225 m east
        assert east["value"] == pytest.approx(1.2)
        assert hazard(client, 139.44, 35.76, "upload_test")["value"] is None
    with rasterio.open(_registered_path(disaster, "upload_test")) as stored:
        assert stored.crs.to_epsg() == 6677


def test_import_of_a_plane_rectangular_geotiff(disaster: DisasterServer, tmp_path: Path
                                               ) -> None:
    source = geotiff(tmp_path / "depth_6677.tif", "EPSG:6677", projected(*HALL, "EPSG:6677"),
                     cell=10.0, block=2.5)
    meta = RasterSource("plane_test", "平面直角", "Plane", "テスト", "CC0")
    with psycopg_connect(disaster.url, autocommit=True) as conn:
        report = import_flood_depth(conn, source, disaster.raster_dir, meta)
    assert report.imported == 1
    with disaster.client() as client:
        assert hazard(client, *HALL, "plane_test")["value"] == pytest.approx(2.5)
        assert hazard(client, *HALL, "plane_test")["label_ja"] == "0.5m以上3.0m未満"


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    corrupt = tmp_path / "corrupt.tif"
    corrupt.write_bytes(b"II*\x00" + bytes(range(256)) * 8)
    no_crs = geotiff(tmp_path / "no_crs.tif", None, (0.0, 0.0), cell=1.0)
    return {"corrupt": corrupt, "no_crs": no_crs}


@pytest.mark.parametrize("kind, message", [("corrupt", "not a readable"),
                                           ("no_crs", "no CRS")])
def test_bad_rasters_are_refused_and_nothing_is_registered(
        disaster: DisasterServer, tmp_path: Path, kind: str, message: str) -> None:
    bad = _bad_files(tmp_path)[kind]
    with disaster.client("disaster_officer") as client:
        response = client.put(f"/rasters/bad_{kind}", content=bad.read_bytes())
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["invalid-params"][0]["name"] == "body" and message in problem["detail"]
        assert client.get(f"/rasters/bad_{kind}").status_code == 404
    with psycopg_connect(disaster.url, autocommit=True) as conn, \
            pytest.raises(ImportFailed, match=message):
        import_flood_depth(conn, bad, disaster.raster_dir, RasterSource(f"bad_{kind}"))
    assert not list(disaster.raster_dir.glob(f"bad_{kind}*"))


def test_huge_upload_is_refused(disaster: DisasterServer) -> None:
    with disaster.client("admin") as client:
        response = client.put("/rasters/huge", content=b"\0" * (UPLOAD_LIMIT + 1))
        assert response.status_code == 413
        assert response.json()["invalid-params"][0]["name"] == "body"

        def chunks():  # no Content-Length: the limit applies while reading
            for _ in range(UPLOAD_LIMIT // 65536 + 2):
                yield b"\0" * 65536

        assert client.put("/rasters/huge", content=chunks()).status_code == 413
        assert client.get("/rasters/huge").status_code == 404


@pytest.mark.parametrize("role, status", [(None, 401), ("citizen", 403), ("planner", 403)])
def test_only_officers_upload(disaster: DisasterServer, tmp_path: Path, role: str | None,
                              status: int) -> None:
    source = geotiff(tmp_path / "d.tif", "EPSG:6677", projected(*HALL, "EPSG:6677"), cell=10)
    with disaster.client(role) as client:
        response = client.put("/rasters/not_allowed", content=source.read_bytes())
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("url, name", [
    ("/hazards/at?lon=139.4&lat=91", "lat"),
    ("/hazards/at?lon=abc&lat=35.7", "lon"),
    ("/hazards/at?lon=139.4&lat=35.7&depth=1", "depth"),
    ("/rasters/Bad-Id/legend", "rasterId"),
    ("/rasters/flood_depth/tiles/WebMercatorQuad/30/0/0", "tileMatrix"),
])
def test_bad_input_names_the_parameter(disaster: DisasterServer, url: str, name: str) -> None:
    with disaster.client() as client:
        response = client.get(url)
    assert response.status_code in (400, 404)
    assert response.json()["invalid-params"][0]["name"] == name


# --- A33 土砂災害警戒区域 ------------------------------------------------------------------------


def a33_shapefile(directory: Path) -> Path:
    square = Polygon([(HALL[0] - 0.001, HALL[1] - 0.001), (HALL[0] + 0.001, HALL[1] - 0.001),
                      (HALL[0] + 0.001, HALL[1] + 0.001), (HALL[0] - 0.001, HALL[1] + 0.001)])
    frame = gpd.GeoDataFrame(
        {"A33_001": ["1", "2", "9"], "A33_002": ["2", "1", "1"],
         "A33_005": ["中央三丁目の崖", "試験沢", "謎"]},
        geometry=[square, square.buffer(0.002), square], crs="EPSG:6668")
    path = directory / "A33-16_13_test.shp"
    frame.to_file(path, encoding="cp932")
    return path


def test_a33_landslide_zones_reach_hazards_at(disaster: DisasterServer, tmp_path: Path) -> None:
    with psycopg_connect(disaster.url, autocommit=True) as conn:
        report = import_a33(conn, a33_shapefile(tmp_path), city_code="13220")
    assert report.imported == 2 and report.rejected[0][0] == 3
    with disaster.client() as client:
        zones = [h for h in client.get("/hazards/at", params=dict(
            zip(("lon", "lat"), HALL, strict=True))).json()["hazards"]
            if h["kind"] == "landslide_zone"]
    assert {z["title_ja"] for z in zones} == {"土砂災害特別警戒区域", "土砂災害警戒区域"}
    assert any("急傾斜地の崩壊" in z["label_ja"] for z in zones)


def test_scenario_labels_are_on_the_zones() -> None:
    inputs = CityInputs(get_settings().data_dir)
    zones = hazard_scenario.flood_zones(inputs.scenario)
    assert zones["is_sample"].all()
    assert zones["label_ja"].str.contains("想定シナリオ（サンプル）").all()
    assert not math.isnan(float(np.nanmax(inputs.scenario.depth)))
