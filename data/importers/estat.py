"""e-Stat 国勢調査 小地域（町丁・字等別）境界データ (Shapefile) → ``chome_area``.

Attributes of the e-Stat boundary files: KEY_CODE (小地域コード: PREF+CITY+S_AREA), PREF, CITY,
S_AREA, PREF_NAME, CITY_NAME, S_NAME (町丁・字等名称), HCODE (8101 町丁・字等, 8154 水面調査区),
AREA, JINKO (人口), SETAI (世帯数), AREA_MAX_F ("M" on the largest part of a KEY_CODE) ...
Rows with another HCODE than 8101 (water) are skipped; the parts of one KEY_CODE become one
MultiPolygon. Population: the value of the part flagged AREA_MAX_F="M" when the flag exists,
else the common value when every part repeats it, else the sum of the parts.

The census year comes from the file name (r2ka…: 2020, h27ka…: 2015, h22ka…: 2010). The
attributes are cp932 (detected). e-Stat files carry a .prj (JGD2011 geographic, or a plane
rectangular zone); one without is read as e-Stat's default datum, JGD2011 geographic
(EPSG:6668). The 2015 files in JGD2000 carry their .prj.
"""

from __future__ import annotations

import re
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
    clean_text,
    polygonal,
    read_vector,
    records_frame,
    require_columns,
    require_geometry,
    table_columns,
    write_layer,
)
from data.store import Provenance, fingerprint
from layers.base.models import chome_area

TOWN_HCODE = 8101  # 町丁・字等
WATER_HCODE = 8154  # 水面調査区
REQUIRED = ["KEY_CODE", "PREF", "CITY", "S_NAME", "HCODE"]
ERA_YEARS = {"r": 2018, "h": 1988}  # 令和 n 年 = 2018 + n, 平成 n 年 = 1988 + n

ESTAT = Provenance(
    layer_id="chome_areas",
    source_ja="政府統計の総合窓口(e-Stat) 国勢調査 境界データ（小地域（町丁・字等別））",
    source_en="e-Stat, Population Census boundary data (small areas: chome/aza)",
    license="政府標準利用規約（第2.0版）（CC BY 4.0 互換）",
    attribution="出典：政府統計の総合窓口(e-Stat)「国勢調査 境界データ」を加工して作成",
    is_sample=False,
)


def census_year(path: Path) -> int | None:
    """2020 for ``r2ka13220.shp``, 2015 for ``h27ka13220.shp``; None when the name says not."""
    match = re.match(r"([rh])(\d{1,2})ka", path.stem.lower())
    return ERA_YEARS[match.group(1)] + int(match.group(2)) if match else None


def _count(value: object, column: str) -> int | None:
    text = clean_text(value)
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if number < 0 or number != int(number):
        raise ValueError(f"{column} {value!r} is not a count")
    return int(number)


def _part_value(parts: pd.DataFrame, column: str) -> int | None:
    """One KEY_CODE's figure from its parts (see the module docstring)."""
    if column not in parts.columns:
        return None
    values = [_count(v, column) for v in parts[column]]
    if "AREA_MAX_F" in parts.columns:
        flagged = [v for v, f in zip(values, parts["AREA_MAX_F"], strict=True)
                   if clean_text(f) == "M"]
        if flagged:
            return flagged[0]
    known = [v for v in values if v is not None]
    if not known:
        return None
    return known[0] if len(set(known)) == 1 else sum(known)


def _hcode(value: object) -> int | None:
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return None


def _city_rows(frame: gpd.GeoDataFrame, city_code: str | None) -> pd.Series:
    if not city_code:
        return pd.Series(True, index=frame.index)
    codes = frame["PREF"].astype(str).str.zfill(2) + frame["CITY"].astype(str).str.zfill(3)
    return codes == city_code.strip()[:5]


def _area(key_code: str, parts: gpd.GeoDataFrame, year: int | None) -> tuple[dict, object]:
    """One chome area from the parts of a KEY_CODE; ValueError says why it is refused."""
    names = [n for n in (clean_text(v) for v in parts["S_NAME"]) if n]
    if not names:
        raise ValueError(f"KEY_CODE {key_code}: S_NAME is empty")
    geometry = polygonal(shapely.union_all([g for g in parts.geometry if g is not None]))
    if geometry is None:
        raise ValueError(f"KEY_CODE {key_code}: no polygon geometry")
    record = {"name": names[0], "key_code": key_code, "approximate": False,
              "population": _part_value(parts, "JINKO"), "households": _part_value(parts, "SETAI"),
              "population_is_estimate": False, "census_year": year}
    return record, geometry


def _towns(frame: gpd.GeoDataFrame, city_code: str | None) -> tuple[gpd.GeoDataFrame, int]:
    hcodes = frame["HCODE"].map(_hcode)
    keep = _city_rows(frame, city_code) & (hcodes == TOWN_HCODE)
    return frame[keep], int((~keep).sum())


def import_estat_chome(
    conn: psycopg.Connection, path: Path, *, city_code: str | None = None
) -> ImportReport:
    """Import e-Stat 小地域 boundaries with population into ``chome_area``."""
    frame = read_vector(path, default_crs=JGD2011_GEOGRAPHIC)
    require_columns(frame, path, REQUIRED)
    require_geometry(frame, path, {"Polygon", "MultiPolygon"})
    towns, skipped = _towns(frame, city_code)
    year, rejections = census_year(path), Rejections()
    records, geometries = [], []
    for key_code, parts in towns.groupby(towns["KEY_CODE"].astype(str).str.strip(), sort=True):
        try:
            record, geometry = _area(str(key_code), parts, year)
        except ValueError as error:
            rejections.add(int(parts.index[0]) + 1, str(error))
            continue
        records.append(record)
        geometries.append(geometry)
    if not records:
        raise ImportFailed(f"{path.name}: no 町丁・字等 (HCODE {TOWN_HCODE}) rows to import")
    rows = records_frame(records, geometries, frame.crs)
    count = write_layer(conn, "chome_area", rows, table_columns(chome_area), ESTAT,
                        fingerprint(path, "estat-chome-1", city_code or ""))
    return ImportReport(ESTAT.layer_id, count, rejections.rows, skipped)
