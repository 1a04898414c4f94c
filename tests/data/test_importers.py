"""The importers on small files of the real formats, against the real PostGIS: counts,
attributes, reprojection, rejected rows with reasons, provenance, and all-or-nothing writes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
import shapely
from pyproj import Geod

from data.importers import IMPORTERS, ImportFailed
from data.importers.base import write_layer
from data.importers.ksj import P02
from layers import load_catalog
from tests.data import importer_fixtures as fx

CITY = "13220"
GEOD = Geod(ellps="WGS84")


def rows(conn: psycopg.Connection, sql: str, *params: object) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def dataset(conn: psycopg.Connection, layer_id: str) -> tuple:
    return conn.execute(
        "SELECT source_ja, license, attribution, is_sample, feature_count FROM dataset "
        "WHERE layer_id = %s", (layer_id,),
    ).fetchone()


def test_registry_names_every_importer() -> None:
    assert set(IMPORTERS) == {"gsi-shelters", "ksj-p02", "ksj-a31", "ksj-a33", "osm-roads",
                              "estat-chome"}
    layer = load_catalog().get("flood_zones")
    assert layer is not None
    assert (layer.table, layer.geometry_type) == ("flood_zone", "MultiPolygon")


# --- GSI shelters -----------------------------------------------------------------------------


def test_gsi_emergency_sites_from_cp932(conn: psycopg.Connection, tmp_path: Path) -> None:
    report = IMPORTERS["gsi-shelters"](conn, fx.gsi_emergency_csv(tmp_path))
    assert (report.layer_id, report.imported) == ("shelters", 4)
    assert report.rejected == [(5, "緯度 is empty"), (6, "経度 '139.43x' is not a number")]
    school = rows(conn, "SELECT gsi_id, address, is_emergency_site, is_designated_shelter, "
                        "earthquake, large_fire, flood, is_sample, ST_X(geom), ST_Y(geom) "
                        "FROM shelter WHERE name = '東大和市立第一小学校'")
    assert school[0][:8] == ("13220-0001", "東京都東大和市向原四丁目", True, False, True, True,
                             False, False)
    assert school[0][8:] == pytest.approx((139.4319, 35.7431), abs=1e-7)
    flood = rows(conn, "SELECT flood, inland_flood FROM shelter WHERE gsi_id = '13220-0002'")
    assert flood == [(True, True)]
    park = rows(conn, "SELECT earthquake FROM shelter WHERE name = '都立東大和南公園'")
    assert park == [(True,)]  # full-width １ marks
    source, license_, _, is_sample, count = dataset(conn, "shelters")
    assert source == "国土地理院 指定緊急避難場所データ"
    assert "国土地理院コンテンツ利用規約" in license_
    assert (is_sample, count) == (False, 4)


def test_gsi_shelter_file_merges_with_emergency_sites(conn: psycopg.Connection,
                                                      tmp_path: Path) -> None:
    IMPORTERS["gsi-shelters"](conn, fx.gsi_emergency_csv(tmp_path), city_code=CITY)
    report = IMPORTERS["gsi-shelters"](conn, fx.gsi_shelter_csv(tmp_path), city_code=CITY)
    assert report.rejected == [(5, "想定収容人数 '約300' is not a whole number")]
    merged = dict((name, rest) for name, *rest in rows(
        conn, "SELECT name, is_emergency_site, is_designated_shelter, capacity, earthquake "
              "FROM shelter"))
    assert merged["東大和市立第一小学校"] == [True, True, 650, True]  # same 共通ID
    assert merged["東大和市立第二中学校"] == [True, True, 480, True]  # same name, 14 m apart
    assert merged["東大和市民会館（ハミングホール）"] == [False, True, 300, False]
    assert merged["都立東大和南公園"] == [True, False, None, True]
    assert len(merged) == 4 and report.imported == 4
    assert dataset(conn, "shelters")[0] == "国土地理院 指定緊急避難場所データ・指定避難所データ"
    # importing the emergency file again keeps what the shelter file said
    IMPORTERS["gsi-shelters"](conn, fx.gsi_emergency_csv(tmp_path), city_code=CITY)
    again = rows(conn, "SELECT capacity, is_emergency_site FROM shelter "
                       "WHERE name = '東大和市立第一小学校'")
    assert again == [(650, True)]
    assert rows(conn, "SELECT count(*) FROM shelter") == [(4,)]


def test_gsi_city_filter_skips_other_cities(conn: psycopg.Connection, tmp_path: Path) -> None:
    report = IMPORTERS["gsi-shelters"](conn, fx.gsi_emergency_csv(tmp_path), city_code=CITY)
    assert (report.imported, report.skipped) == (3, 1)
    assert rows(conn, "SELECT count(*) FROM shelter WHERE name LIKE '武蔵村山%%'") == [(0,)]


def test_gsi_file_without_position_columns_writes_nothing(conn: psycopg.Connection,
                                                          tmp_path: Path) -> None:
    before = rows(conn, "SELECT count(*), bool_and(is_sample) FROM shelter")
    path = fx.write_csv(tmp_path / "bad.csv", ["NO", "施設・場所名", "住所"],
                        [["1", "どこか", "東大和市"]], "cp932")
    with pytest.raises(ImportFailed, match=r"bad\.csv: missing column\(s\) 緯度, 経度"):
        IMPORTERS["gsi-shelters"](conn, path)
    assert rows(conn, "SELECT count(*), bool_and(is_sample) FROM shelter") == before
    assert dataset(conn, "shelters")[3] is True


# --- KSJ P02 公共施設 --------------------------------------------------------------------------


def test_p02_facilities_from_cp932_shapefile(conn: psycopg.Connection, tmp_path: Path) -> None:
    report = IMPORTERS["ksj-p02"](conn, fx.p02_shapefile(tmp_path), city_code=CITY)
    assert (report.layer_id, report.imported, report.skipped) == ("facilities", 4, 1)
    assert report.rejected == [(5, "unknown 公共施設大分類 code '99'"),
                               (6, "P02_004 (名称) is empty")]
    kinds = dict(rows(conn, "SELECT name, kind || '/' || category_ja FROM facility"))
    assert kinds == {
        "東大和市役所": "city_hall/区役所（東京都），市役所",
        "東大和市立中央図書館": "library/図書館",
        "東大和市立第一小学校": "elementary_school/小学校",
        "東大和市立中央公民館": "community_centre/公民館",
    }
    hall = rows(conn, "SELECT address, source_code, is_sample, ST_X(geom), ST_Y(geom) "
                      "FROM facility WHERE kind = 'city_hall'")[0]
    assert hall[:3] == ("東大和市中央3-930", "P02:12:12002", False)
    assert hall[3:] == pytest.approx(fx.CITY_HALL, abs=1e-5)  # JGD2000 ≈ WGS84
    source, license_, attribution, is_sample, count = dataset(conn, "facilities")
    assert source == "国土数値情報（公共施設データ）国土交通省" and "国土数値情報" in license_
    assert (is_sample, count) == (False, 4) and "国土交通省" in attribution


def test_p02_in_tokyo_datum_is_moved_to_wgs84(conn: psycopg.Connection, tmp_path: Path) -> None:
    path = fx.p02_shapefile(tmp_path, epsg=4301, name="P02_tokyo.shp")
    IMPORTERS["ksj-p02"](conn, path, city_code=CITY)
    lon, lat = rows(conn, "SELECT ST_X(geom), ST_Y(geom) FROM facility WHERE kind = 'city_hall'")[0]
    _, _, shift_m = GEOD.inv(*fx.CITY_HALL, lon, lat)
    assert 400 < shift_m < 500  # the old Tokyo datum is ~450 m off around Tokyo
    assert lat > fx.CITY_HALL[1] and lon < fx.CITY_HALL[0]  # north-west


def test_p02_with_polygons_is_refused(conn: psycopg.Connection, tmp_path: Path) -> None:
    before = rows(conn, "SELECT count(*) FROM facility")
    with pytest.raises(ImportFailed, match=r"P02_polygons\.shp: wrong geometry type Polygon"):
        IMPORTERS["ksj-p02"](conn, fx.p02_polygon_shapefile(tmp_path))
    assert rows(conn, "SELECT count(*) FROM facility") == before


def test_p02_missing_attribute_names_the_column(conn: psycopg.Connection,
                                                tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"NAME": ["x"]}, geometry=[shapely.Point(fx.CITY_HALL)],
                             crs="EPSG:6668")
    frame.to_file(tmp_path / "other.shp")
    with pytest.raises(ImportFailed, match=r"other\.shp: missing column\(s\) P02_001"):
        IMPORTERS["ksj-p02"](conn, tmp_path / "other.shp")


def test_unreadable_file_is_refused(conn: psycopg.Connection, tmp_path: Path) -> None:
    path = tmp_path / "broken.shp"
    path.write_bytes(b"not a shapefile")
    path.with_suffix(".dbf").write_bytes(b"")
    with pytest.raises(ImportFailed, match=r"broken\.shp: cannot read the file"):
        IMPORTERS["ksj-p02"](conn, path)


# --- KSJ A31 洪水浸水想定区域 ------------------------------------------------------------------


def test_a31_flood_zones_clipped_to_the_city(conn: psycopg.Connection, tmp_path: Path) -> None:
    report = IMPORTERS["ksj-a31"](conn, fx.a31_shapefile(tmp_path), city_code=CITY)
    assert (report.layer_id, report.imported, report.skipped) == ("flood_zones", 3, 1)
    assert report.rejected == [(4, "unknown 浸水深ランク code 9 in A31a_205")]
    zones = rows(conn, "SELECT depth_rank, depth_min_m::float, depth_max_m::float, label_ja, "
                       "river_name, is_sample, GeometryType(geom) FROM flood_zone "
                       "ORDER BY depth_rank")
    assert zones == [
        ("1", 0.0, 0.5, "0.5m未満", "空堀川", False, "MULTIPOLYGON"),
        ("2", 0.5, 3.0, "0.5m以上3.0m未満", "空堀川", False, "MULTIPOLYGON"),
        ("3", 3.0, 5.0, "3.0m以上5.0m未満", "奈良橋川", False, "MULTIPOLYGON"),
    ]
    outside = rows(conn, "SELECT count(*) FROM flood_zone z, city_boundary c "
                         "WHERE NOT ST_CoveredBy(z.geom, ST_Buffer(c.geom, 1e-7))")
    assert outside == [(0,)]
    assert dataset(conn, "flood_zones")[0] == "国土数値情報（洪水浸水想定区域データ）国土交通省"


def test_a31_points_are_refused(conn: psycopg.Connection, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"A31a_205": [1]}, geometry=[shapely.Point(fx.CITY_HALL)],
                             crs="EPSG:6668")
    frame.to_file(tmp_path / "a31_points.shp")
    before = rows(conn, "SELECT count(*) FROM flood_zone")  # the sample scenario's zones
    with pytest.raises(ImportFailed, match="wrong geometry type Point"):
        IMPORTERS["ksj-a31"](conn, tmp_path / "a31_points.shp")
    assert rows(conn, "SELECT count(*) FROM flood_zone") == before


# --- OpenStreetMap roads ----------------------------------------------------------------------


def test_osm_roads_from_pbf(conn: psycopg.Connection, tmp_path: Path) -> None:
    report = IMPORTERS["osm-roads"](conn, fx.osm_pbf(tmp_path), city_code=CITY)
    assert (report.layer_id, report.imported, report.skipped) == ("roads", 3, 1)
    assert report.rejected == [(5, "way 105: 1 node(s) missing from the extract")]
    roads = rows(conn, "SELECT osm_id, name, kind, is_sample, ST_NPoints(geom) FROM road "
                       "ORDER BY osm_id")
    assert roads == [(100, "新青梅街道", "primary", False, 3), (101, None, "residential", False, 3),
                     (102, None, "footway", False, 2)]
    start = rows(conn, "SELECT ST_X(ST_StartPoint(geom)), ST_Y(ST_StartPoint(geom)) FROM road "
                       "WHERE osm_id = 100")[0]
    assert start == pytest.approx(fx.OSM_NODES[1], abs=1e-7)
    _, license_, attribution, is_sample, _ = dataset(conn, "roads")
    assert "ODbL" in license_ and attribution == "© OpenStreetMap contributors" and not is_sample


def test_osm_roads_from_geojson(conn: psycopg.Connection, tmp_path: Path) -> None:
    report = IMPORTERS["osm-roads"](conn, fx.osm_geojson(tmp_path))
    assert (report.imported, report.skipped) == (3, 2)  # a node, a waterway
    assert report.rejected == [(5, "no geometry")]
    roads = rows(conn, "SELECT osm_id, name, kind FROM road ORDER BY osm_id, id")
    assert roads == [(200, "青梅街道", "secondary"), (201, None, "tertiary"),
                     (201, None, "tertiary")]


def test_osm_roads_outside_the_city_leave_the_layer_alone(conn: psycopg.Connection,
                                                          tmp_path: Path) -> None:
    before = rows(conn, "SELECT count(*) FROM road")
    with pytest.raises(ImportFailed, match="city code 01100: no such city"):
        IMPORTERS["osm-roads"](conn, fx.osm_pbf(tmp_path), city_code="01100")  # not loaded
    assert rows(conn, "SELECT count(*) FROM road") == before


# --- e-Stat 小地域 ----------------------------------------------------------------------------


def test_estat_chome_areas_from_plane_rectangular(conn: psycopg.Connection,
                                                  tmp_path: Path) -> None:
    report = IMPORTERS["estat-chome"](conn, fx.estat_shapefile(tmp_path), city_code=CITY)
    assert (report.layer_id, report.imported, report.skipped, report.rejected) == \
        ("chome_areas", 2, 2, [])
    areas = rows(conn, "SELECT key_code, name, population, households, approximate, "
                       "population_is_estimate, census_year, ST_NumGeometries(geom) "
                       "FROM chome_area ORDER BY key_code")
    assert areas == [("13220003002", "中央二丁目", 2210, 1004, False, False, 2020, 1),
                     ("13220003003", "中央三丁目", 1850, 820, False, False, 2020, 2)]
    corner = rows(conn, "SELECT ST_XMin(geom), ST_YMin(geom) FROM chome_area "
                        "WHERE key_code = '13220003003'")[0]
    # EPSG:6677 → 4326: the corner comes back to the city hall (the square's other corners,
    # turned by the grid convergence, are a few metres further west)
    assert corner == pytest.approx(fx.CITY_HALL, abs=3e-5)
    area_m2 = rows(conn, "SELECT ST_Area(geom::geography) FROM chome_area "
                         "WHERE key_code = '13220003003'")[0][0]
    assert area_m2 == pytest.approx(200 * 200 + 50 * 50, rel=0.01)
    source, license_, _, is_sample, _ = dataset(conn, "chome_areas")
    assert source.startswith("政府統計の総合窓口(e-Stat) 国勢調査 境界データ")
    assert "政府標準利用規約" in license_ and is_sample is False


def test_estat_without_hcode_is_refused(conn: psycopg.Connection, tmp_path: Path) -> None:
    before = rows(conn, "SELECT count(*), bool_and(approximate) FROM chome_area")
    frame = gpd.GeoDataFrame({"KEY_CODE": ["13220001001"], "S_NAME": ["x"]},
                             geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:6677")
    frame.to_file(tmp_path / "h27ka13220.shp")
    with pytest.raises(ImportFailed, match=r"missing column\(s\) PREF, CITY, HCODE"):
        IMPORTERS["estat-chome"](conn, tmp_path / "h27ka13220.shp")
    assert rows(conn, "SELECT count(*), bool_and(approximate) FROM chome_area") == before


# --- all or nothing ---------------------------------------------------------------------------


def test_a_failing_write_rolls_back_and_keeps_the_previous_rows(conn: psycopg.Connection,
                                                                tmp_path: Path) -> None:
    IMPORTERS["ksj-p02"](conn, fx.p02_shapefile(tmp_path), city_code=CITY)
    before = rows(conn, "SELECT name FROM facility ORDER BY name")
    broken = gpd.GeoDataFrame(
        [{"name": "ok", "kind": "library", "category_ja": "図書館"},
         {"name": None, "kind": "library", "category_ja": "図書館"}],  # NOT NULL violated
        geometry=[shapely.Point(fx.CITY_HALL)] * 2, crs="EPSG:4326",
    )
    with pytest.raises(psycopg.errors.NotNullViolation):
        write_layer(conn, "facility", broken, ["name", "kind", "category_ja"], P02, "x")
    assert rows(conn, "SELECT name FROM facility ORDER BY name") == before
    assert dataset(conn, "facilities")[4] == 4
