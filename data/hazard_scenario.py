"""想定シナリオ（サンプル）: a flood-depth raster for the city while no real hazard data is in the
data folder, and the flood zones polygonized from it.

Not a simulation. Depth falls with the distance from the (sample) rivers and with a synthetic
terrain: a gentle rise away from the channel plus smooth bumps from a fixed seed, a higher
flood stage downstream (east). Deterministic: the same rivers and boundary give the same bytes.
Labelled as a sample scenario in the file's tags, the registry row and the legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from rasterio.transform import from_origin

from data.importers.ksj_codes import DEPTH_RANKS_V2
from gis_core.rasters import STORED_CRS

SEED = 13220
VERSION = "flood-scenario-2026-11-24"
CELL_M = 10.0
STAGE_UPSTREAM_M = 2.0  # water level above the channel banks, west end
STAGE_DOWNSTREAM_M = 3.6  # east end
RISE_PER_M = 0.02  # ground rises 2 m per 100 m away from the channel
BUMP_AMPLITUDE_M = 0.9
MIN_DEPTH_M = 0.05
LABEL_JA = "想定シナリオ（サンプル）"
LABEL_EN = "sample scenario"
DESCRIPTION = (f"{LABEL_JA} / {LABEL_EN}: synthetic flood depth (m) from the sample rivers and a "
               "synthetic terrain; not an official 洪水浸水想定区域. citygis, seed "
               f"{SEED}, {VERSION}")


@dataclass(frozen=True)
class Scenario:
    depth: np.ndarray  # metres, NaN outside the city
    transform: rasterio.Affine
    crs: str = STORED_CRS

    @property
    def tags(self) -> dict[str, str]:
        return {"TIFFTAG_IMAGEDESCRIPTION": DESCRIPTION, "CITYGIS_SAMPLE": "true",
                "CITYGIS_SCENARIO": LABEL_JA, "CITYGIS_SEED": str(SEED),
                "CITYGIS_GENERATOR": VERSION, "UNITS": "m"}


def _bumps(xs: np.ndarray, ys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooth terrain undulation: a few plane waves of 500–1500 m with random phases."""
    total = np.zeros_like(xs)
    for _ in range(6):
        angle, wavelength = rng.uniform(0, math.pi), rng.uniform(500, 1500)
        phase = rng.uniform(0, 2 * math.pi)
        along = xs * math.cos(angle) + ys * math.sin(angle)
        total += np.cos(2 * math.pi * along / wavelength + phase)
    return BUMP_AMPLITUDE_M * total / math.sqrt(6)


def flood_depth(boundary: gpd.GeoDataFrame, rivers: gpd.GeoDataFrame) -> Scenario:
    """The scenario on a 10 m grid over the city, in EPSG:6677."""
    rng = np.random.default_rng(SEED)
    area = boundary.to_crs(STORED_CRS).union_all()
    channel = rivers.to_crs(STORED_CRS).union_all()
    minx, miny, maxx, maxy = (math.floor(v / CELL_M) * CELL_M for v in area.bounds)
    width, height = int((maxx - minx) / CELL_M) + 1, int((maxy - miny) / CELL_M) + 1
    affine = from_origin(minx, miny + height * CELL_M, CELL_M, CELL_M)
    cols, rows = np.meshgrid(np.arange(width), np.arange(height))
    xs = minx + (cols + 0.5) * CELL_M
    ys = miny + height * CELL_M - (rows + 0.5) * CELL_M
    points = shapely.points(xs.ravel(), ys.ravel())
    distance = shapely.distance(points, channel).reshape(xs.shape)
    stage = STAGE_UPSTREAM_M + (STAGE_DOWNSTREAM_M - STAGE_UPSTREAM_M) * (xs - minx) / (maxx - minx)
    depth = stage - RISE_PER_M * distance - _bumps(xs, ys, rng)
    depth = np.where(depth < MIN_DEPTH_M, 0.0, np.round(depth, 2)).astype("float32")
    inside = rasterio.features.geometry_mask([area], depth.shape, affine, invert=True)
    return Scenario(np.where(inside, depth, np.nan).astype("float32"), affine)


def _rank(depth: np.ndarray) -> np.ndarray:
    """The 浸水深ランク (1–6 of the 2015 manual) of each cell; 0 where dry or outside."""
    ranks = np.zeros(depth.shape, dtype="uint8")
    for code, (low, _high, _label) in DEPTH_RANKS_V2.items():
        ranks[np.nan_to_num(depth, nan=0.0) >= max(low, MIN_DEPTH_M)] = code
    return ranks


def flood_zones(scenario: Scenario) -> gpd.GeoDataFrame:
    """The scenario's depth ranks as polygons (columns of ``flood_zone``), in EPSG:4326."""
    ranks = _rank(scenario.depth)
    records, geometries = [], []
    for code in sorted(set(np.unique(ranks)) - {0}):
        shapes = rasterio.features.shapes(ranks, mask=ranks == code,
                                          transform=scenario.transform)
        parts = [shapely.geometry.shape(geometry) for geometry, _ in shapes]
        zone = shapely.union_all(parts).simplify(CELL_M / 2)
        low, high, label = DEPTH_RANKS_V2[int(code)]
        records.append({"depth_rank": str(code), "depth_min_m": low, "depth_max_m": high,
                        "label_ja": f"{label}（{LABEL_JA}）", "river_name": None,
                        "is_sample": True})
        geometries.append(_multipolygon(zone))
    return gpd.GeoDataFrame(records, geometry=geometries, crs=scenario.crs).to_crs("EPSG:4326")


def _multipolygon(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    geometry = shapely.make_valid(geometry)
    polygons = [g for g in getattr(geometry, "geoms", [geometry]) if g.geom_type == "Polygon"]
    polygons += [p for g in getattr(geometry, "geoms", []) if g.geom_type == "MultiPolygon"
                 for p in g.geoms]
    return shapely.MultiPolygon(polygons)
