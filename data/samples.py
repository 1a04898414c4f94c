"""Sample layers for what the open data does not have yet — roads, rivers, water, public
facilities, shelters, 町丁目 areas and population. Deterministic (fixed seed), shaped like the
real thing, and labelled as samples in their names, their ``is_sample`` column and their
provenance; an import of real data replaces them (and a later load then leaves them alone).

Everything is built in EPSG:6677 (JGD2011 plane rectangular IX) so distances are metres.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

from layers.disaster.models import HAZARD_FLAGS

METRIC_CRS = "EPSG:6677"
SEED = 13220
GENERATOR_VERSION = "samples-2026-11-24"
SAMPLE_SUFFIX = "（サンプル）"
STREET_SPACING_M = 160.0
STREET_ROTATION_DEG = 12.0


@dataclass(frozen=True)
class CityShape:
    """The real boundary and 町丁目 points, in metres, that the samples are fitted to."""

    boundary: Polygon | MultiPolygon
    chome: gpd.GeoDataFrame  # columns name, geometry (EPSG:6677)

    @classmethod
    def from_frames(cls, boundary: gpd.GeoDataFrame, chome: gpd.GeoDataFrame) -> CityShape:
        return cls(
            boundary=boundary.to_crs(METRIC_CRS).union_all(),
            chome=chome[["name", "geometry"]].to_crs(METRIC_CRS).reset_index(drop=True),
        )


def _frame(records: list[dict], geometries: list, crs: str = METRIC_CRS) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry=geometries, crs=crs).to_crs("EPSG:4326")


def _as_multi(geometry: shapely.Geometry, kind: type) -> shapely.Geometry:
    parts = [g for g in getattr(geometry, "geoms", [geometry]) if not g.is_empty]
    parts = [p for part in parts for p in getattr(part, "geoms", [part])]
    return kind(parts)


# --- 町丁目 areas and population -------------------------------------------------------

TOTAL_POPULATION_ESTIMATE = 83_000


def chome_areas(city: CityShape) -> gpd.GeoDataFrame:
    """Voronoi cells of the 町丁目 points clipped to the boundary (approximate areas), with a
    population estimate proportional to area (low in the reservoir area)."""
    rng = np.random.default_rng(SEED)
    points = shapely.MultiPoint(list(city.chome.geometry))
    cells = shapely.voronoi_polygons(points, extend_to=city.boundary.envelope.buffer(1000))
    records, geometries = [], []
    for cell in cells.geoms:
        owner = city.chome[city.chome.intersects(cell)]
        if owner.empty:
            continue
        area = cell.intersection(city.boundary)
        if area.is_empty:
            continue
        name = owner.iloc[0]["name"]
        records.append({"name": name})
        geometries.append(_as_multi(area, MultiPolygon))
    frame = gpd.GeoDataFrame(records, geometry=geometries, crs=METRIC_CRS)
    density = rng.uniform(0.6, 1.4, len(frame))
    density[frame["name"].str.startswith("多摩湖").to_numpy()] *= 0.15
    weight = frame.area.to_numpy() * density
    population = np.round(TOTAL_POPULATION_ESTIMATE * weight / weight.sum()).astype(int)
    frame["population"] = population
    frame["households"] = np.round(population / rng.uniform(2.0, 2.4, len(frame))).astype(int)
    frame["key_code"] = None
    frame["approximate"] = True
    frame["population_is_estimate"] = True
    frame["census_year"] = None
    return frame.to_crs("EPSG:4326")


# --- water and rivers ---------------------------------------------------------------

def _lonlat_to_metric(lon: float, lat: float) -> Point:
    return gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC_CRS).iloc[0]


def reservoir(city: CityShape) -> Polygon | MultiPolygon:
    """The part of 多摩湖 (Murayama reservoir) along the northern edge, as an irregular
    ellipse clipped to the boundary."""
    rng = np.random.default_rng(SEED + 1)
    centre = _lonlat_to_metric(139.4200, 35.7700)
    angles = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    radius = 1.0 + rng.normal(0, 0.06, len(angles))
    ring = [
        (centre.x + 1500 * r * math.cos(a), centre.y + 420 * r * math.sin(a))
        for a, r in zip(angles, radius, strict=True)
    ]
    return Polygon(ring).intersection(city.boundary)


def water_areas(city: CityShape) -> gpd.GeoDataFrame:
    lake = reservoir(city)
    records = [{"name": f"多摩湖（村山貯水池）{SAMPLE_SUFFIX}", "kind": "reservoir",
                "is_sample": True}]
    return _frame(records, [_as_multi(lake, MultiPolygon)])


def _meander(city: CityShape, rng: np.random.Generator, y_share: float) -> LineString:
    minx, miny, maxx, maxy = city.boundary.bounds
    xs = np.linspace(minx - 200, maxx + 200, 120)
    base = miny + (maxy - miny) * y_share
    walk = np.cumsum(rng.normal(0, 18, len(xs)))
    ys = base + 90 * np.sin(xs / 420 + rng.uniform(0, 6)) + walk - walk.mean()
    return LineString(zip(xs, ys, strict=True))


def rivers(city: CityShape) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(SEED + 2)
    courses = [("空堀川", 0.55), ("奈良橋川", 0.70)]
    records, geometries = [], []
    for name, share in courses:
        course = _meander(city, rng, share).intersection(city.boundary)
        if course.is_empty:
            continue
        records.append({"name": f"{name}{SAMPLE_SUFFIX}", "kind": "river", "is_sample": True})
        geometries.append(_as_multi(course, MultiLineString))
    return _frame(records, geometries)


# --- street network -----------------------------------------------------------------

ARTERIAL_ROWS = {0.28: ("新青梅街道", "primary"), 0.62: ("青梅街道", "secondary")}
ARTERIAL_COLUMNS = {0.45: ("芋窪街道", "secondary"), 0.75: ("桜街道", "secondary")}


@dataclass(frozen=True)
class _Grid:
    nodes: np.ndarray  # (rows, cols, 2) metric coordinates
    arterial_rows: dict[int, tuple[str, str]]
    arterial_columns: dict[int, tuple[str, str]]


def _street_grid(city: CityShape, rng: np.random.Generator) -> _Grid:
    minx, miny, maxx, maxy = city.boundary.envelope.buffer(600).bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = max(maxx - minx, maxy - miny) / 2
    steps = np.arange(-half, half + STREET_SPACING_M, STREET_SPACING_M)
    theta = math.radians(STREET_ROTATION_DEG)
    gx, gy = np.meshgrid(steps, steps)  # rows go north, columns go east
    jitter = rng.uniform(-0.22, 0.22, (*gx.shape, 2)) * STREET_SPACING_M
    x = cx + gx * math.cos(theta) - gy * math.sin(theta) + jitter[..., 0]
    y = cy + gx * math.sin(theta) + gy * math.cos(theta) + jitter[..., 1]
    nodes = np.stack([x, y], axis=-1)
    return _Grid(nodes, _pick_lines(city, nodes, ARTERIAL_ROWS, axis=0),
                 _pick_lines(city, nodes, ARTERIAL_COLUMNS, axis=1))


def _pick_lines(city: CityShape, nodes: np.ndarray, wanted: dict, axis: int) -> dict:
    """Grid rows (axis 0) or columns (axis 1) nearest to shares of the boundary's extent."""
    minx, miny, maxx, maxy = city.boundary.bounds
    centres = nodes.mean(axis=1 - axis)[:, axis ^ 1]
    low, high = (miny, maxy) if axis == 0 else (minx, maxx)
    return {int(np.abs(centres - (low + (high - low) * share)).argmin()): label
            for share, label in wanted.items()}


def _grid_edges(grid: _Grid) -> Iterator[tuple[tuple[int, int], tuple[int, int], str | None, str]]:
    rows, cols = grid.nodes.shape[:2]
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols:
                name, kind = grid.arterial_rows.get(r, (None, "residential"))
                yield (r, c), (r, c + 1), name, kind
            if r + 1 < rows:
                name, kind = grid.arterial_columns.get(c, (None, "residential"))
                yield (r, c), (r + 1, c), name, kind


def roads(city: CityShape) -> gpd.GeoDataFrame:
    """A noded street network (one row per street segment between intersections): a jittered,
    slightly rotated grid of local streets, a few arterials on grid lines, none in the water."""
    rng = np.random.default_rng(SEED + 3)
    grid = _street_grid(city, rng)
    inside = shapely.prepared.prep(city.boundary.buffer(40))
    lake = reservoir(city).buffer(25)
    records, geometries = [], []
    for start, end, name, kind in _grid_edges(grid):
        segment = LineString([grid.nodes[start], grid.nodes[end]])
        keep = rng.random() > 0.1 or kind != "residential"
        if not keep or not inside.contains(segment) or segment.intersects(lake):
            continue
        label = f"{name}{SAMPLE_SUFFIX}" if name else None
        records.append({"name": label, "kind": kind, "osm_id": None, "is_sample": True})
        geometries.append(segment)
    return _frame(records, geometries)


# --- facilities and shelters --------------------------------------------------------

CITY_HALL_LONLAT = (139.4265, 35.7454)  # 東大和市役所, 中央三丁目

FACILITY_KINDS: tuple[tuple[str, str, int, str], ...] = (
    # kind, category_ja, count, name pattern ({town} or {n})
    ("community_centre", "公民館", 5, "{town}公民館"),
    ("library", "図書館", 3, "{town}図書館"),
    ("elementary_school", "小学校", 10, "第{n}小学校"),
    ("junior_high_school", "中学校", 5, "第{n}中学校"),
    ("sports_hall", "体育館", 2, "{town}体育館"),
    ("civic_hall", "市民会館", 1, "市民会館"),
    ("nursery", "保育園", 6, "{town}保育園"),
    ("childrens_centre", "児童館", 4, "{town}児童館"),
    ("welfare_centre", "福祉センター", 2, "{town}福祉センター"),
    ("park", "公園", 6, "{town}公園"),
)
KANJI_NUMBERS = "一二三四五六七八九十"


def _town(chome_name: str) -> str:
    return chome_name.rstrip("一二三四五六七八九十丁目")


def _place_near(city: CityShape, rng: np.random.Generator, anchor: Point, lake) -> Point:
    for _ in range(50):
        angle, distance = rng.uniform(0, 2 * math.pi), rng.uniform(40, 160)
        point = Point(anchor.x + distance * math.cos(angle), anchor.y + distance * math.sin(angle))
        if city.boundary.contains(point) and not lake.contains(point):
            return point
    return anchor


def facilities(city: CityShape) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(SEED + 4)
    lake = reservoir(city).buffer(60)
    hall = _lonlat_to_metric(*CITY_HALL_LONLAT)
    records = [{"name": f"東大和市役所{SAMPLE_SUFFIX}", "kind": "city_hall",
                "category_ja": "市役所", "address": "東京都東大和市中央三丁目"}]
    geometries: list[Point] = [hall]
    candidates = city.chome[~city.chome["name"].str.startswith("多摩湖")].reset_index(drop=True)
    for kind, category, count, pattern in FACILITY_KINDS:
        chosen = rng.choice(len(candidates), size=count, replace=False)
        for n, index in enumerate(sorted(chosen)):
            chome = candidates.iloc[int(index)]
            town = _town(chome["name"])
            name = pattern.format(town=town, n=KANJI_NUMBERS[n])
            records.append({"name": f"{name}{SAMPLE_SUFFIX}", "kind": kind,
                            "category_ja": category, "address": f"東京都東大和市{chome['name']}"})
            geometries.append(_place_near(city, rng, chome.geometry, lake))
    frame = _frame(records, geometries)
    frame["name_kana"] = None
    frame["source_code"] = None
    frame["is_sample"] = True
    return frame


SHELTER_RULES = {
    # kind: (designated shelter 指定避難所, emergency site 指定緊急避難場所, hazards, capacity)
    "elementary_school": (True, True, ("flood", "landslide", "earthquake", "large_fire"),
                          (600, 1100)),
    "junior_high_school": (True, True, ("flood", "landslide", "earthquake", "large_fire"),
                           (700, 1300)),
    "community_centre": (True, False, (), (80, 250)),
    "sports_hall": (True, True, ("flood", "earthquake"), (300, 600)),
    "park": (False, True, ("earthquake", "large_fire"), (1000, 4000)),
}


def shelters(facility_frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Schools, community centres, sports halls and parks of the facility sample designated
    as shelters / evacuation sites, as a city designates them."""
    rng = np.random.default_rng(SEED + 5)
    records, geometries = [], []
    for row in facility_frame.itertuples():
        rule = SHELTER_RULES.get(row.kind)
        if rule is None:
            continue
        designated, emergency, hazards, (low, high) = rule
        record = {"name": row.name, "address": row.address, "gsi_id": None,
                  "is_designated_shelter": designated, "is_emergency_site": emergency,
                  "capacity": int(rng.integers(low, high)), "is_sample": True}
        record.update({hazard: hazard in hazards for hazard in HAZARD_FLAGS})
        records.append(record)
        geometries.append(row.geometry)
    return gpd.GeoDataFrame(records, geometry=geometries, crs=facility_frame.crs)

