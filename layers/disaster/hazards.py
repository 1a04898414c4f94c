"""Hazards: the registered hazard rasters (flood depth…), their legends, and every hazard at a
point — raster values and the flood / 土砂災害 zones that contain it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import psycopg

from gis_core import rasters
from gis_core.rasters import RasterClass

# 浸水深の凡例: 水害ハザードマップ作成の手引き（国土交通省, 2016）の標準色.
FLOOD_DEPTH_CLASSES: tuple[RasterClass, ...] = (
    RasterClass(0.0, 0.5, "#f7f5a9", "0.5m未満", "under 0.5 m"),
    RasterClass(0.5, 3.0, "#ffd8c0", "0.5m以上3.0m未満", "0.5–3 m"),
    RasterClass(3.0, 5.0, "#ffb7b7", "3.0m以上5.0m未満", "3–5 m"),
    RasterClass(5.0, 10.0, "#ff9191", "5.0m以上10.0m未満", "5–10 m"),
    RasterClass(10.0, 20.0, "#f285c9", "10.0m以上20.0m未満", "10–20 m"),
    RasterClass(20.0, None, "#dc7adc", "20.0m以上", "20 m and over"),
)
# Cells shallower than this are dry on the map (the scenario writes 0 there).
WET_FROM_M = 0.01


def legend_json(classes: tuple[RasterClass, ...]) -> list[dict[str, Any]]:
    return [{"min": c.lower, "max": c.upper, "colour": c.colour, "label_ja": c.label_ja,
             "label_en": c.label_en} for c in classes]


def classes_from_json(legend: list[dict[str, Any]]) -> tuple[RasterClass, ...]:
    return tuple(RasterClass(max(float(c["min"]), WET_FROM_M) if i == 0 else float(c["min"]),
                             None if c["max"] is None else float(c["max"]), c["colour"],
                             c["label_ja"], c["label_en"]) for i, c in enumerate(legend))


@dataclass(frozen=True)
class HazardRaster:
    """One row of ``hazard_raster``."""

    id: str
    path: Path
    quantity: str
    title_ja: str
    title_en: str
    units: str
    legend: list[dict[str, Any]]
    attribution: str
    source_ja: str
    source_en: str
    license: str
    is_sample: bool
    bounds: list[float]

    @property
    def classes(self) -> tuple[RasterClass, ...]:
        return classes_from_json(self.legend)

    def class_of(self, value: float | None) -> RasterClass | None:
        if value is None:
            return None
        return next((c for c in self.classes if c.contains(value)), None)


RASTER_SELECT = """
    SELECT id, path, quantity, title_ja, title_en, units, legend::text AS legend, attribution,
           source_ja, source_en, license, is_sample,
           ARRAY[ST_XMin(bounds), ST_YMin(bounds), ST_XMax(bounds), ST_YMax(bounds)] AS bounds
    FROM hazard_raster
"""


def _raster(row: asyncpg.Record) -> HazardRaster:
    data = dict(row)
    data["path"] = Path(data["path"])
    data["legend"] = orjson.loads(data["legend"])
    data["bounds"] = list(data["bounds"])
    return HazardRaster(**data)


async def list_rasters(conn: asyncpg.Connection) -> list[HazardRaster]:
    return [_raster(row) for row in await conn.fetch(RASTER_SELECT + " ORDER BY id")]


async def get_raster(conn: asyncpg.Connection, raster_id: str) -> HazardRaster | None:
    row = await conn.fetchrow(RASTER_SELECT + " WHERE id = $1", raster_id)
    return _raster(row) if row else None


# --- registering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RasterEntry:
    """What a load or an import registers for a raster file."""

    id: str
    path: Path
    quantity: str
    title_ja: str
    title_en: str
    units: str
    legend: list[dict[str, Any]]
    source_ja: str
    source_en: str
    license: str
    attribution: str
    is_sample: bool
    fingerprint: str

    def values(self, bounds: tuple[float, float, float, float]) -> tuple[object, ...]:
        return (self.id, str(self.path), self.quantity, self.title_ja, self.title_en, self.units,
                orjson.dumps(self.legend).decode(), self.source_ja, self.source_en, self.license,
                self.attribution, self.is_sample, rasters.STORED_CRS, *bounds,
                self.fingerprint)


def register_sql(placeholder: str) -> str:
    marks = [placeholder.format(n) for n in range(1, 19)]
    return f"""
        INSERT INTO hazard_raster (id, path, quantity, title_ja, title_en, units, legend,
            source_ja, source_en, license, attribution, is_sample, crs, bounds, fingerprint,
            loaded_at)
        VALUES ({', '.join(marks[:6])}, {marks[6]}::jsonb, {', '.join(marks[7:13])},
                ST_MakeEnvelope({', '.join(marks[13:17])}, 4326), {marks[17]}, now())
        ON CONFLICT (id) DO UPDATE SET path = EXCLUDED.path, quantity = EXCLUDED.quantity,
            title_ja = EXCLUDED.title_ja, title_en = EXCLUDED.title_en, units = EXCLUDED.units,
            legend = EXCLUDED.legend, source_ja = EXCLUDED.source_ja,
            source_en = EXCLUDED.source_en, license = EXCLUDED.license,
            attribution = EXCLUDED.attribution, is_sample = EXCLUDED.is_sample,
            crs = EXCLUDED.crs, bounds = EXCLUDED.bounds, fingerprint = EXCLUDED.fingerprint,
            loaded_at = now()
    """


def register(conn: psycopg.Connection, entry: RasterEntry) -> None:
    conn.execute(register_sql("%s"), entry.values(rasters.lonlat_bounds(entry.path)))


async def register_async(conn: asyncpg.Connection, entry: RasterEntry) -> None:
    await conn.execute(register_sql("${}"), *entry.values(rasters.lonlat_bounds(entry.path)))


def stored_raster(conn: psycopg.Connection, raster_id: str) -> tuple[str, str, bool] | None:
    """(path, fingerprint, is_sample) of a registered raster."""
    row = conn.execute("SELECT path, fingerprint, is_sample FROM hazard_raster WHERE id = %s",
                       (raster_id,)).fetchone()
    return (row[0], row[1], row[2]) if row else None


# --- hazards at a point ---------------------------------------------------------------------

ZONES_AT = """
    SELECT 'flood_zones' AS layer, 'flood_zone' AS kind, '洪水浸水想定区域' AS title_ja,
           'Flood inundation zone' AS title_en, label_ja, depth_min_m::float8 AS depth_min_m,
           depth_max_m::float8 AS depth_max_m, river_name AS name, is_sample
    FROM flood_zone WHERE ST_Intersects(geom, ST_Point($1, $2, 4326))
    UNION ALL
    SELECT 'landslide_zones', 'landslide_zone',
           CASE zone_kind WHEN 'special_warning' THEN '土砂災害特別警戒区域'
                ELSE '土砂災害警戒区域' END,
           CASE zone_kind WHEN 'special_warning' THEN 'Sediment disaster special warning area'
                ELSE 'Sediment disaster warning area' END,
           label_ja, NULL, NULL, place_name, is_sample
    FROM landslide_zone WHERE ST_Intersects(geom, ST_Point($1, $2, 4326))
"""


def _raster_hazard(raster: HazardRaster, value: float | None) -> dict[str, Any]:
    found = raster.class_of(value)
    return {"raster": raster.id, "kind": raster.quantity, "title_ja": raster.title_ja,
            "title_en": raster.title_en, "value": value, "units": raster.units,
            "label_ja": found.label_ja if found else None,
            "label_en": found.label_en if found else None,
            "colour": found.colour if found else None, "is_sample": raster.is_sample,
            "attribution": raster.attribution}


async def hazards_at(conn: asyncpg.Connection, lon: float, lat: float) -> list[dict[str, Any]]:
    """Every hazard at (lon, lat): the value of each raster that covers it (None when the
    point is outside it; 0 where it is dry) and each zone that contains it."""
    found = []
    for raster in await list_rasters(conn):
        value = await asyncio.to_thread(rasters.value_at, raster.path, lon, lat)
        if value is not None and value < WET_FROM_M:
            value = 0.0
        found.append(_raster_hazard(raster, value))
    found += [dict(row) for row in await conn.fetch(ZONES_AT, lon, lat)]
    return found
