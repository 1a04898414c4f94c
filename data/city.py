"""Readers of the city's real open data in ``CITYGIS_DATA_DIR`` (see its MANIFEST.md)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from data.readings import chome_reading

CITY_FOLDER = "higashiyamato"
BOUNDARY_FILE = "city_boundary.geojson"
CHOME_FILE = "chome_points.geojson"


class MissingData(FileNotFoundError):
    """An open-data file the load needs is not in the data folder."""


def data_file(data_dir: Path, name: str) -> Path:
    path = data_dir / CITY_FOLDER / name
    if not path.is_file():
        raise MissingData(
            f"{path} not found: set CITYGIS_DATA_DIR to the folder holding {CITY_FOLDER}/"
        )
    return path


def read_boundary(path: Path) -> gpd.GeoDataFrame:
    """The boundary as one MultiPolygon row (columns code, pref, name)."""
    raw = gpd.read_file(path)
    frame = gpd.GeoDataFrame(
        {
            "code": raw["N03_007"].astype(str),
            "pref": raw["N03_001"],
            "name": raw["N03_004"],
        },
        geometry=[shapely.make_valid(g) for g in raw.geometry],
        crs=raw.crs or "EPSG:4326",
    )
    frame = frame.dissolve(by=["code", "pref", "name"], as_index=False)
    frame["geometry"] = [
        g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in frame.geometry
    ]
    return frame


def read_chome_points(path: Path) -> gpd.GeoDataFrame:
    raw = gpd.read_file(path)
    frame = gpd.GeoDataFrame(
        {
            "name": raw["town"],
            "name_kana": [chome_reading(n) for n in raw["town"]],
            "city": raw["city"],
            "pref": raw["pref"],
        },
        geometry=raw.geometry,
        crs=raw.crs or "EPSG:4326",
    )
    return frame.drop_duplicates(subset=["city", "name"]).reset_index(drop=True)
