"""Small files in the real formats a city receives, built in a test's tmp_path: GSI shelter CSVs,
KSJ P02/A31 Shapefiles, an OSM PBF and GeoJSON, an e-Stat 小地域 Shapefile.

Positions are in and around 東大和市 (Higashiyamato, city code 13220)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import osmium
import pyogrio
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

CITY_HALL = (139.4265, 35.7454)  # 東大和市役所 (lon, lat)
OUTSIDE_CITY = (139.3600, 35.7600)  # 武蔵村山市/瑞穂町 side, west of the city

# --- GSI 指定緊急避難場所 / 指定避難所 CSV -------------------------------------------------------

EMERGENCY_HEADER = [
    "NO", "共通ID", "施設・場所名", "住所", "洪水", "崖崩れ、土石流及び地滑り", "高潮", "地震",
    "津波", "大規模な火事", "内水氾濫", "火山現象", "指定避難所との住所同一", "緯度", "経度",
    "備考",
]
# flood, landslide, storm surge, earthquake, tsunami, large fire, inland flood, volcano
EMERGENCY_ROWS = [
    ["1", "13220-0001", "東大和市立第一小学校", "東京都東大和市向原四丁目", "", "", "", "◎", "",
     "◎", "", "", "1", "35.7431", "139.4319", ""],
    ["2", "13220-0002", "東大和市立第二中学校", "東京都東大和市立野二丁目", "○", "", "", "○", "",
     "○", "○", "", "1", "35.7472", "139.4180", ""],
    ["3", "13220-0003", "都立東大和南公園", "東京都東大和市桜が丘二丁目", "", "", "", "１", "",
     "１", "", "", "", "35.7411", "139.4263", "広域避難場所"],
    ["4", "13220-0004", "位置なし広場", "東京都東大和市中央一丁目", "", "", "", "◎", "", "", "", "",
     "", "", "139.4290", ""],
    ["5", "13220-0005", "桜街道公園", "東京都東大和市南街五丁目", "", "", "", "◎", "", "", "", "",
     "", "35.7440", "139.43x", ""],
    ["6", "13224-0001", "武蔵村山市立第九小学校", "東京都武蔵村山市", "", "", "", "◎", "", "", "",
     "", "", str(OUTSIDE_CITY[1]), str(OUTSIDE_CITY[0]), ""],
]

SHELTER_HEADER = ["NO", "共通ID", "施設・場所名", "住所", "指定緊急避難場所との住所同一",
                  "想定収容人数", "緯度", "経度", "備考"]
SHELTER_ROWS = [
    ["1", "13220-0001", "東大和市立第一小学校", "東京都東大和市向原四丁目", "1", "650",
     "35.7431", "139.4319", ""],
    ["2", "", "東大和市立第二中学校", "東京都東大和市立野二丁目", "1", "480", "35.7473", "139.4181",
     ""],
    ["3", "13220-0101", "東大和市民会館（ハミングホール）", "東京都東大和市向原六丁目", "", "300",
     "35.7479", "139.4306", ""],
    ["4", "13220-0102", "収容人数不明センター", "東京都東大和市", "", "約300", "35.7450",
     "139.4270", ""],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> Path:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def gsi_emergency_csv(directory: Path) -> Path:
    """The emergency-site file as municipalities' Excel exports it: Shift_JIS (cp932)."""
    return write_csv(directory / "mergeFromCity_1.csv", EMERGENCY_HEADER, EMERGENCY_ROWS, "cp932")


def gsi_shelter_csv(directory: Path) -> Path:
    """The designated-shelter file, UTF-8 with BOM."""
    return write_csv(directory / "shelters_utf8bom.csv", SHELTER_HEADER, SHELTER_ROWS, "utf-8-sig")


# --- KSJ P02 公共施設 / A31 洪水浸水想定区域 ---------------------------------------------------

P02_ROWS = [
    # P02_001, 大分類, 小分類, 名称, 所在地, (lon, lat)
    ("13220", "12", "12002", "東大和市役所", "東大和市中央3-930", CITY_HALL),
    ("13220", "3", "03003", "東大和市立中央図書館", "東大和市中央3-930", (139.4262, 35.7451)),
    ("13220", "16", "16001", "東大和市立第一小学校", "東大和市向原4-2", (139.4319, 35.7431)),
    ("13220", "12", "12099", "東大和市立中央公民館", "東大和市中央3-930", (139.4270, 35.7449)),
    ("13220", "99", "99999", "謎の施設", "東大和市", (139.4300, 35.7460)),
    ("13220", "17", "17001", "", "東大和市", (139.4310, 35.7470)),
    ("13224", "12", "12002", "武蔵村山市役所", "武蔵村山市本町1-1-1", OUTSIDE_CITY),
]


def _write_shapefile(frame: gpd.GeoDataFrame, path: Path, encoding: str = "cp932") -> Path:
    """Write like KSJ/e-Stat do: cp932 attributes and no .cpg (the reader must detect it)."""
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def p02_shapefile(directory: Path, epsg: int = 4612, name: str = "P02-06_13.shp") -> Path:
    records = [{"P02_001": c, "P02_002": ma, "P02_003": mi, "P02_004": n, "P02_005": a,
                "P02_006": "3"} for c, ma, mi, n, a, _ in P02_ROWS]
    points = [Point(*xy) for *_, xy in P02_ROWS]
    frame = gpd.GeoDataFrame(records, geometry=points, crs=f"EPSG:{epsg}")
    return _write_shapefile(frame, directory / name)


def p02_polygon_shapefile(directory: Path) -> Path:
    """A P02-looking file whose geometries are polygons (a wrong file)."""
    frame = gpd.GeoDataFrame(
        [{"P02_001": "13220", "P02_002": "12", "P02_003": "12002", "P02_004": "市役所",
          "P02_005": "東大和市"}],
        geometry=[box(139.42, 35.74, 139.43, 35.75)], crs="EPSG:4612",
    )
    return _write_shapefile(frame, directory / "P02_polygons.shp")


def _square(lon: float, lat: float, half: float = 0.002) -> Polygon:
    return box(lon - half, lat - half, lon + half, lat + half)


def a31_shapefile(directory: Path) -> Path:
    """河川単位 (第3.0版〜) 想定最大規模 depths: A31a_201 河川ID ... A31a_205 浸水深ランク."""
    rows = [
        ("空堀川", 1, _square(139.4300, 35.7500)),
        ("空堀川", 2, _square(139.4350, 35.7480, 0.001)),
        ("奈良橋川", 3, _square(139.4200, 35.7520, 0.0015)),
        ("空堀川", 9, _square(139.4250, 35.7440, 0.001)),  # no such rank
        ("残堀川", 2, _square(OUTSIDE_CITY[0], OUTSIDE_CITY[1] - 0.01, 0.001)),  # outside
    ]
    records = [{"A31a_201": "8303030001", "A31a_202": river, "A31a_203": "13",
                "A31a_204": "東京都", "A31a_205": rank} for river, rank, _ in rows]
    frame = gpd.GeoDataFrame(records, geometry=[g for *_, g in rows], crs="EPSG:6668")
    return _write_shapefile(frame, directory / "A31a-20-23_13_8303030001.shp")


# --- OpenStreetMap -----------------------------------------------------------------------------

OSM_NODES = {
    1: (139.4200, 35.7460), 2: (139.4260, 35.7462), 3: (139.4320, 35.7465),
    4: (139.4262, 35.7430), 5: (139.4263, 35.7400), 6: (139.4290, 35.7440),
    7: (139.4292, 35.7441), 8: (139.4291, 35.7443),
}
OSM_WAYS = [
    (100, [1, 2, 3], {"highway": "primary", "name": "新青梅街道", "ref": "5"}),
    (101, [2, 4, 5], {"highway": "Residential"}),
    (102, [4, 6], {"highway": "footway"}),
    (103, [6, 7, 8, 6], {"building": "yes"}),  # not a road
    (104, [3, 6], {"highway": "proposed"}),  # not built
    (105, [5, 999], {"highway": "service"}),  # node 999 is not in the extract
]


def osm_pbf(directory: Path) -> Path:
    path = directory / "higashiyamato.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for node_id, location in OSM_NODES.items():
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=location, tags={}))
        writer.add_node(osmium.osm.mutable.Node(
            id=9, location=(139.4261, 35.7461), tags={"highway": "traffic_signals"}))
        for way_id, nodes, tags in OSM_WAYS:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=nodes, tags=tags))
    return path


def osm_geojson(directory: Path) -> Path:
    """An Overpass-turbo style export."""
    def feature(geometry: object, properties: dict) -> dict:
        return {"type": "Feature", "properties": properties,
                "geometry": geometry.__geo_interface__ if geometry is not None else None}
    features = [
        feature(LineString([OSM_NODES[1], OSM_NODES[2]]),
                {"@id": "way/200", "highway": "secondary", "name": "青梅街道"}),
        feature(MultiLineString([[OSM_NODES[2], OSM_NODES[4]], [OSM_NODES[4], OSM_NODES[5]]]),
                {"@id": "way/201", "highway": "tertiary", "name": None}),
        feature(Point(OSM_NODES[3]), {"@id": "node/9", "highway": "crossing"}),
        feature(LineString([OSM_NODES[6], OSM_NODES[7]]), {"@id": "way/202", "waterway": "ditch"}),
        feature(None, {"@id": "way/203", "highway": "residential"}),
    ]
    path = directory / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                               ensure_ascii=False), encoding="utf-8")
    return path


# --- e-Stat 小地域 -----------------------------------------------------------------------------


def estat_shapefile(directory: Path) -> Path:
    """e-Stat 小地域 in JGD2011 plane rectangular IX (EPSG:6677): 中央三丁目 in two parts, a
    water row (HCODE 8154), 中央二丁目, and a row of another city."""
    origin = gpd.GeoSeries([Point(CITY_HALL)], crs="EPSG:4326").to_crs("EPSG:6677").iloc[0]
    x, y = origin.x, origin.y

    def rect(dx: float, dy: float, w: float = 200, h: float = 200) -> Polygon:
        return box(x + dx, y + dy, x + dx + w, y + dy + h)

    base = {"PREF": "13", "CITY": "220", "PREF_NAME": "東京都", "CITY_NAME": "東大和市"}
    rows = [
        ({**base, "KEY_CODE": "13220003003", "S_AREA": "003003", "S_NAME": "中央三丁目",
          "HCODE": 8101, "AREA_MAX_F": "M", "JINKO": 1850, "SETAI": 820}, rect(0, 0)),
        ({**base, "KEY_CODE": "13220003003", "S_AREA": "003003", "S_NAME": "中央三丁目",
          "HCODE": 8101, "AREA_MAX_F": None, "JINKO": 1850, "SETAI": 820}, rect(300, 0, 50, 50)),
        ({**base, "KEY_CODE": "13220003002", "S_AREA": "003002", "S_NAME": "中央二丁目",
          "HCODE": 8101, "AREA_MAX_F": "M", "JINKO": 2210, "SETAI": 1004}, rect(0, 250)),
        ({**base, "KEY_CODE": "13220999999", "S_AREA": "999999", "S_NAME": None,
          "HCODE": 8154, "AREA_MAX_F": "M", "JINKO": 0, "SETAI": 0}, rect(-300, 0)),
        ({**base, "CITY": "224", "CITY_NAME": "武蔵村山市", "KEY_CODE": "13224001001",
          "S_AREA": "001001", "S_NAME": "本町一丁目", "HCODE": 8101, "AREA_MAX_F": "M",
          "JINKO": 3000, "SETAI": 1300}, rect(-5000, 0)),
    ]
    frame = gpd.GeoDataFrame([r for r, _ in rows], geometry=[g for _, g in rows],
                             crs="EPSG:6677")
    return _write_shapefile(frame, directory / "r2ka13220.shp")
