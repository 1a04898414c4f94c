"""国土数値情報 (National Land Numerical Information, MLIT) → ``facility`` and ``flood_zone``.

- P02 公共施設 (Shapefile, or GML/GeoJSON with the Shapefile attribute names):
  P02_001 行政区域コード, P02_002 公共施設大分類, P02_003 公共施設小分類, P02_004 名称,
  P02_005 所在地 (P02_006 管理者コード is not kept).
  Codes → ``kind``/``category_ja`` in ``ksj_codes``.
- A31 洪水浸水想定区域 (Shapefile/GML/GeoJSON): one polygon per depth rank and river; the rank
  attribute depends on the edition (see ``ksj_codes.A31_LAYOUTS``).

Shapefile attributes are usually cp932 without a .cpg: the encoding is detected. KSJ files
state their datum in the .prj; a file without one is read as the datum the product
specification prescribes: JGD2011 geographic (EPSG:6668) for editions from 2016 on, which is
what the download service serves now (older JGD2000 files carry a .prj).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import shapely

from data.importers.base import (
    JGD2011_GEOGRAPHIC,
    ImportFailed,
    ImportReport,
    Rejections,
    city_boundary,
    clean_text,
    features,
    polygonal,
    read_vector,
    records_frame,
    require_columns,
    require_geometry,
    table_columns,
    write_layer,
)
from data.importers.ksj_codes import A31_LAYOUTS, A31_NOT_DEPTH, facility_kind
from data.store import Provenance, fingerprint
from layers.disaster.models import flood_zone
from layers.facilities.links import rooms_follow_facilities
from layers.facilities.models import facility

DEFAULT_CRS = JGD2011_GEOGRAPHIC
KSJ_LICENSE = "国土数値情報 利用約款（出典明示。公共施設・洪水浸水想定区域はオープンデータ）"

P02 = Provenance(
    layer_id="facilities",
    source_ja="国土数値情報（公共施設データ）国土交通省",
    source_en="National Land Numerical Information (Public Facilities), MLIT",
    license=KSJ_LICENSE,
    attribution="「国土数値情報（公共施設データ）」（国土交通省）を加工して作成",
    is_sample=False,
)
A31 = Provenance(
    layer_id="flood_zones",
    source_ja="国土数値情報（洪水浸水想定区域データ）国土交通省",
    source_en="National Land Numerical Information (Flood Inundation Assumption Areas), MLIT",
    license=KSJ_LICENSE,
    attribution="「国土数値情報（洪水浸水想定区域データ）」（国土交通省）を加工して作成",
    is_sample=False,
)
P02_COLUMNS = ["P02_001", "P02_002", "P02_003", "P02_004", "P02_005"]


# --- P02 公共施設 -----------------------------------------------------------------------------


def _facility_row(row: pd.Series, geometry: shapely.Geometry | None) -> dict[str, object]:
    """A P02 feature as a ``facility`` record; ValueError says why it is refused."""
    name = clean_text(row["P02_004"])
    if name is None:
        raise ValueError("P02_004 (名称) is empty")
    if geometry is None or geometry.is_empty:
        raise ValueError("no position")
    if geometry.geom_type != "Point":
        raise ValueError(f"geometry is a {geometry.geom_type}, not a point")
    classified = facility_kind(row["P02_002"], row["P02_003"], name)
    if classified is None:
        raise ValueError(f"unknown 公共施設大分類 code {row['P02_002']!r}")
    kind, category = classified
    return {"name": name, "name_kana": None, "kind": kind, "category_ja": category,
            "address": clean_text(row["P02_005"]),
            "source_code": f"P02:{clean_text(row['P02_002'])}:{clean_text(row['P02_003'])}",
            "is_sample": False}


def _in_city(frame: gpd.GeoDataFrame, column: str, city_code: str | None) -> pd.Series:
    if not city_code:
        return pd.Series(True, index=frame.index)
    return frame[column].astype(str).str.strip().str[:5] == city_code.strip()[:5]


def import_p02(
    conn: psycopg.Connection, path: Path, *, city_code: str | None = None
) -> ImportReport:
    """Import KSJ P02 public facilities into ``facility``."""
    frame = read_vector(path, default_crs=DEFAULT_CRS)
    require_columns(frame, path, P02_COLUMNS)
    require_geometry(frame, path, {"Point"})
    keep = _in_city(frame, "P02_001", city_code)
    records, geometries, rejections = [], [], Rejections()
    for number, row, geometry in features(frame):
        if not keep[row.name]:
            continue
        try:
            records.append(_facility_row(row, geometry))
        except ValueError as error:
            rejections.add(number, str(error))
            continue
        geometries.append(geometry)
    if not records:
        raise ImportFailed(f"{path.name}: no valid rows to import")
    rows = records_frame(records, geometries, frame.crs)
    count = write_layer(conn, "facility", rows, table_columns(facility), P02,
                        fingerprint(path, "ksj-p02-1", city_code or ""),
                        keep_links=rooms_follow_facilities)
    return ImportReport(P02.layer_id, count, rejections.rows, int((~keep).sum()))


# --- A31 洪水浸水想定区域 ----------------------------------------------------------------------


def _layout(frame: gpd.GeoDataFrame, path: Path) -> tuple[str, str | None, dict]:
    for rank_column, river_column, ranks in A31_LAYOUTS:
        if rank_column in frame.columns:
            return rank_column, river_column if river_column in frame.columns else None, ranks
    other = [c for c in A31_NOT_DEPTH if c in frame.columns]
    detail = f" (it holds {other[0]}: duration or house-collapse zones)" if other else ""
    raise ImportFailed(f"{path.name}: missing column A31a_105/A31a_205/A31_105/A31_205/A31_001 "
                       f"(浸水深ランク){detail}")


def _zone_row(row: pd.Series, rank_column: str, river_column: str | None, ranks: dict
              ) -> dict[str, object]:
    try:
        code = int(str(row[rank_column]).strip())
    except ValueError:
        raise ValueError(f"{rank_column} {row[rank_column]!r} is not a rank code") from None
    if code not in ranks:
        raise ValueError(f"unknown 浸水深ランク code {code} in {rank_column}")
    low, high, label = ranks[code]
    river = clean_text(row[river_column]) if river_column else None
    return {"depth_rank": str(code), "depth_min_m": low, "depth_max_m": high,
            "label_ja": label, "river_name": river, "is_sample": False}


def _clip(frame: gpd.GeoDataFrame, conn: psycopg.Connection, city_code: str | None
          ) -> tuple[gpd.GeoDataFrame, int]:
    """Only the parts of the zones inside the city (when a city code is given)."""
    if not city_code:
        return frame, 0
    _, boundary = city_boundary(conn, city_code)
    inside = frame[frame.intersects(boundary)].copy()
    inside["geometry"] = inside.intersection(boundary)
    return inside, len(frame) - len(inside)


def import_a31(
    conn: psycopg.Connection, path: Path, *, city_code: str | None = None
) -> ImportReport:
    """Import KSJ A31 flood inundation zones into ``flood_zone`` (clipped to the city)."""
    frame = read_vector(path, default_crs=DEFAULT_CRS)
    rank_column, river_column, ranks = _layout(frame, path)
    require_geometry(frame, path, {"Polygon", "MultiPolygon"})
    frame, skipped = _clip(frame, conn, city_code)
    records, geometries, rejections = [], [], Rejections()
    for number, row, geometry in features(frame):
        area = polygonal(geometry)
        try:
            if area is None:
                raise ValueError("no polygon geometry")
            records.append(_zone_row(row, rank_column, river_column, ranks))
        except ValueError as error:
            rejections.add(number, str(error))
            continue
        geometries.append(area)
    if not records:
        raise ImportFailed(f"{path.name}: no valid rows to import")
    rows = records_frame(records, geometries, frame.crs)
    count = write_layer(conn, "flood_zone", rows, table_columns(flood_zone), A31,
                        fingerprint(path, "ksj-a31-1", city_code or ""))
    return ImportReport(A31.layer_id, count, rejections.rows, skipped)
