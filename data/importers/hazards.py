"""Hazard data: a flood-depth GeoTIFF (any CRS, reprojected to EPSG:6677 and written as a
Cloud-Optimized GeoTIFF) and 国土数値情報 A33 土砂災害警戒区域 (Shapefile/GML/GeoJSON).

A33 attributes (製品仕様書 第1.3版): A33_001 現象の種類 (1 急傾斜地の崩壊, 2 土石流,
3 地すべり), A33_002 区域区分 (1 土砂災害警戒区域, 2 土砂災害特別警戒区域), A33_005 区域名.
Codes written as words (「土石流」, 「特別警戒区域」) are read too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg

from data.importers.base import (
    JGD2011_GEOGRAPHIC,
    ImportFailed,
    ImportReport,
    Rejections,
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
from data.importers.ksj import KSJ_LICENSE, _clip
from data.store import Provenance, fingerprint
from gis_core.rasters import InvalidRaster, import_geotiff
from layers.disaster import hazards
from layers.disaster.models import landslide_zone

A33 = Provenance(
    layer_id="landslide_zones",
    source_ja="国土数値情報（土砂災害警戒区域データ）国土交通省",
    source_en="National Land Numerical Information (Sediment Disaster Warning Areas), MLIT",
    license=KSJ_LICENSE,
    attribution="「国土数値情報（土砂災害警戒区域データ）」（国土交通省）を加工して作成",
    is_sample=False,
)
PHENOMENA = {"1": ("steep_slope", "急傾斜地の崩壊"), "2": ("debris_flow", "土石流"),
             "3": ("landslide", "地すべり")}
ZONE_KINDS = {"1": ("warning", "土砂災害警戒区域"),
              "2": ("special_warning", "土砂災害特別警戒区域")}


def _code(value: object, table: dict[str, tuple[str, str]], column: str) -> tuple[str, str]:
    text = clean_text(value) or ""
    if text.isdigit() and str(int(text)) in table:
        return table[str(int(text))]
    for kind, label in sorted(table.values(), key=lambda item: -len(item[1])):
        if label in text or (text and text in label and len(text) >= 2):
            return kind, label
    raise ValueError(f"{column} {value!r} is not a known code")


def _landslide_row(row: pd.Series) -> dict[str, object]:
    phenomenon, phenomenon_ja = _code(row["A33_001"], PHENOMENA, "A33_001 (現象の種類)")
    zone_kind, zone_ja = _code(row["A33_002"], ZONE_KINDS, "A33_002 (区域区分)")
    return {"zone_kind": zone_kind, "phenomenon": phenomenon,
            "label_ja": f"{zone_ja}（{phenomenon_ja}）",
            "place_name": clean_text(row["A33_005"]) if "A33_005" in row else None,
            "is_sample": False}


def import_a33(conn: psycopg.Connection, path: Path, *, city_code: str | None = None
               ) -> ImportReport:
    """Import KSJ A33 sediment disaster warning areas into ``landslide_zone``."""
    frame = read_vector(path, default_crs=JGD2011_GEOGRAPHIC)
    require_columns(frame, path, ["A33_001", "A33_002"])
    require_geometry(frame, path, {"Polygon", "MultiPolygon"})
    frame, skipped = _clip(frame, conn, city_code)
    records, geometries, rejections = [], [], Rejections()
    for number, row, geometry in features(frame):
        area = polygonal(geometry)
        try:
            if area is None:
                raise ValueError("no polygon geometry")
            records.append(_landslide_row(row))
        except ValueError as error:
            rejections.add(number, str(error))
            continue
        geometries.append(area)
    if not records:
        raise ImportFailed(f"{path.name}: no valid rows to import")
    rows = records_frame(records, geometries, frame.crs)
    count = write_layer(conn, "landslide_zone", rows, table_columns(landslide_zone), A33,
                        fingerprint(path, "ksj-a33-1", city_code or ""))
    return ImportReport(A33.layer_id, count, rejections.rows, skipped)


# --- flood-depth rasters --------------------------------------------------------------------


@dataclass(frozen=True)
class RasterSource:
    """Who made a raster a city imports, shown as its attribution."""

    raster_id: str = "flood_depth"
    title_ja: str = "浸水深"
    title_en: str = "Flood depth"
    source: str = "imported GeoTIFF"
    license: str = "see the source"


def prepare_flood_depth(path: Path, raster_dir: Path, meta: RasterSource
                        ) -> hazards.RasterEntry:
    """Reproject ``path`` into ``raster_dir`` as a COG; ImportFailed when it is unusable."""
    digest = hashlib.sha256(path.read_bytes() if path.is_file() else b"").hexdigest()
    target = raster_dir / f"{meta.raster_id}-import-{digest[:12]}.tif"
    tags = {"TIFFTAG_IMAGEDESCRIPTION": f"{meta.title_en}: {meta.source}", "UNITS": "m",
            "CITYGIS_SAMPLE": "false"}
    try:
        import_geotiff(path, target, tags)
    except InvalidRaster as error:
        raise ImportFailed(str(error)) from None
    return hazards.RasterEntry(
        id=meta.raster_id, path=target, quantity="flood_depth", title_ja=meta.title_ja,
        title_en=meta.title_en, units="m",
        legend=hazards.legend_json(hazards.FLOOD_DEPTH_CLASSES), source_ja=meta.source,
        source_en=meta.source, license=meta.license, attribution=meta.source, is_sample=False,
        fingerprint=digest)


def import_flood_depth(conn: psycopg.Connection, path: Path, raster_dir: Path,
                       meta: RasterSource) -> ImportReport:
    entry = prepare_flood_depth(path, raster_dir, meta)
    with conn.transaction():
        hazards.register(conn, entry)
    return ImportReport(f"raster:{meta.raster_id}", 1)
