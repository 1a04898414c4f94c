"""国土地理院 (GSI) 指定緊急避難場所データ / 指定避難所データ (CSV) → ``shelter``.

The layout published by GSI (「指定緊急避難場所データ」, per municipality or nationwide):
``NO, 共通ID, 施設・場所名, 住所, 洪水, 崖崩れ、土石流及び地滑り, 高潮, 地震, 津波, 大規模な火事,
内水氾濫, 火山現象, 指定避難所との住所同一, 緯度, 経度, 備考`` — one column per hazard, marked
「◎」/「○」/「１」 where the site is designated for it. The 指定避難所 file has no hazard columns
(it may carry 想定収容人数). Files come as UTF-8 (with or without BOM) or Shift_JIS (cp932);
the encoding is detected. 緯度/経度 are JGD2011 geographic (EPSG:6668).

A file with hazard columns is the emergency-site file (``is_emergency_site``), one without is
the shelter file (``is_designated_shelter``). Importing one keeps what the other contributed
(the layer must hold imported, not sample, rows): sites are merged on 共通ID, else on the same
name within 100 m.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import psycopg
import shapely

from data.importers.base import (
    JGD2011_GEOGRAPHIC,
    ImportFailed,
    ImportReport,
    Rejections,
    city_boundary,
    detect_encoding,
    normalize_header,
    records_frame,
    table_columns,
    write_layer,
)
from data.store import Provenance, fingerprint
from layers.disaster.models import HAZARD_FLAGS, shelter

LAYER_ID = "shelters"
FORMAT_VERSION = "gsi-shelters-1"
MERGE_DISTANCE_M = 100.0

HAZARD_COLUMNS = {
    "洪水": "flood", "崖崩れ土石流及び地滑り": "landslide", "高潮": "storm_surge",
    "地震": "earthquake", "津波": "tsunami", "大規模な火事": "large_fire",
    "内水氾濫": "inland_flood", "火山現象": "volcano",
}
COLUMN_ALIASES = {
    "name": ("施設場所名", "施設名", "名称", "避難所名"),
    "gsi_id": ("共通ID",),
    "address": ("住所", "所在地"),
    "lat": ("緯度",),
    "lon": ("経度",),
    "capacity": ("想定収容人数", "収容人数", "収容可能人数"),
    "city_code": ("市区町村コード", "市町村コード", "全国地方公共団体コード"),
    "city_name": ("都道府県名及び市町村名", "市区町村名", "市町村名"),
}
TRUE_MARKS = {"◎", "○", "〇", "●", "1", "有", "あり", "TRUE", "true"}
FALSE_MARKS = {"", "0", "-", "×", "無", "なし", "FALSE", "false"}
NO_CAPACITY = {"", "-", "不明"}
JAPAN_LAT, JAPAN_LON = (20.0, 46.0), (122.0, 154.0)

EMERGENCY = Provenance(
    layer_id=LAYER_ID,
    source_ja="国土地理院 指定緊急避難場所データ",
    source_en="GSI Japan, designated emergency evacuation sites data",
    license="国土地理院コンテンツ利用規約（CC BY 4.0 互換）",
    attribution="出典：国土地理院「指定緊急避難場所データ」",
    is_sample=False,
)
SHELTER = Provenance(
    layer_id=LAYER_ID,
    source_ja="国土地理院 指定避難所データ",
    source_en="GSI Japan, designated shelters data",
    license="国土地理院コンテンツ利用規約（CC BY 4.0 互換）",
    attribution="出典：国土地理院「指定避難所データ」",
    is_sample=False,
)
BOTH = Provenance(
    layer_id=LAYER_ID,
    source_ja="国土地理院 指定緊急避難場所データ・指定避難所データ",
    source_en="GSI Japan, designated emergency evacuation sites and designated shelters data",
    license="国土地理院コンテンツ利用規約（CC BY 4.0 互換）",
    attribution="出典：国土地理院「指定緊急避難場所データ」「指定避難所データ」",
    is_sample=False,
)


@dataclass
class Site:
    """One 避難場所/避難所 as the ``shelter`` table holds it."""

    name: str
    lon: float
    lat: float
    address: str | None = None
    gsi_id: str | None = None
    is_designated_shelter: bool = False
    is_emergency_site: bool = False
    hazards: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(HAZARD_FLAGS, False))
    capacity: int | None = None


# --- reading the CSV ------------------------------------------------------------------------


def _key(header: str) -> str:
    return re.sub(r"[、・,，.．]", "", normalize_header(header))


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header keys and data rows of a GSI CSV in UTF-8 (BOM or not) or cp932."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        encoding = detect_encoding(raw)
    except ImportFailed as error:
        raise ImportFailed(f"{path.name}: {error}") from None
    text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportFailed(f"{path.name}: the file is empty")
    return [_key(h) for h in rows[0]], rows[1:]


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    index = {}
    for field_name, aliases in COLUMN_ALIASES.items():
        found = [header.index(a) for a in aliases if a in header]
        if found:
            index[field_name] = found[0]
    missing = [COLUMN_ALIASES[f][0] for f in ("name", "lat", "lon") if f not in index]
    if missing:
        raise ImportFailed(f"{path.name}: missing column(s) {', '.join(missing)} "
                           "(not a GSI 指定緊急避難場所/指定避難所 CSV?)")
    return index


def _number(value: str, column: str) -> float:
    text = normalize_header(value)
    if not text:
        raise ValueError(f"{column} is empty")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None


def _mark(value: str, column: str) -> bool:
    text = normalize_header(value)
    if text in TRUE_MARKS or value.strip() in TRUE_MARKS:
        return True
    if text in FALSE_MARKS:
        return False
    raise ValueError(f"unrecognised mark {value!r} in column {column}")


def _capacity(value: str) -> int | None:
    text = normalize_header(value).replace(",", "").removesuffix("人")
    if text in NO_CAPACITY:
        return None
    if not text.isdigit():
        raise ValueError(f"想定収容人数 {value!r} is not a whole number")
    return int(text)


def _cell(row: list[str], index: dict[str, int], name: str) -> str:
    position = index.get(name)
    return row[position].strip() if position is not None and position < len(row) else ""


def parse_site(row: list[str], index: dict[str, int], hazards: dict[str, int],
               emergency: bool) -> Site:
    """One CSV row as a Site; ValueError says why the row is refused."""
    name = _cell(row, index, "name")
    if not name:
        raise ValueError("施設・場所名 is empty")
    lat, lon = _number(_cell(row, index, "lat"), "緯度"), _number(_cell(row, index, "lon"), "経度")
    if not (JAPAN_LAT[0] <= lat <= JAPAN_LAT[1] and JAPAN_LON[0] <= lon <= JAPAN_LON[1]):
        raise ValueError(f"position 緯度 {lat}, 経度 {lon} is outside Japan")
    site = Site(name=name, lon=lon, lat=lat, address=_cell(row, index, "address") or None,
                gsi_id=_cell(row, index, "gsi_id") or None,
                is_emergency_site=emergency, is_designated_shelter=not emergency)
    for column, flag in hazards.items():
        site.hazards[flag] = _mark(row[column] if column < len(row) else "", flag_title(flag))
    if not emergency:
        site.capacity = _capacity(_cell(row, index, "capacity"))
    return site


def flag_title(flag: str) -> str:
    return next(title for title, name in HAZARD_COLUMNS.items() if name == flag)


# --- city filter ------------------------------------------------------------------------------


def _in_city(site: Site, row: list[str], index: dict[str, int],
             city: tuple[str, str, shapely.Geometry] | None) -> bool:
    if city is None:
        return True
    code, name, boundary = city
    if "city_code" in index:
        return _cell(row, index, "city_code")[:5] == code
    if "city_name" in index:
        return name in _cell(row, index, "city_name")
    return boundary.buffer(0.0005).contains(shapely.Point(site.lon, site.lat))


# --- merging with the other file ---------------------------------------------------------------


def _distance_m(a: Site, b: Site) -> float:
    dx = math.radians(b.lon - a.lon) * math.cos(math.radians((a.lat + b.lat) / 2))
    dy = math.radians(b.lat - a.lat)
    return 6_371_000 * math.hypot(dx, dy)


def _same_site(a: Site, b: Site) -> bool:
    if a.gsi_id and b.gsi_id:
        return a.gsi_id == b.gsi_id
    same_name = normalize_header(a.name) == normalize_header(b.name)
    return same_name and _distance_m(a, b) <= MERGE_DISTANCE_M


def existing_sites(conn: psycopg.Connection, emergency: bool) -> list[Site]:
    """Sites the *other* file contributed, with this file's facts cleared (only when the
    layer holds imported data; sample rows are simply replaced)."""
    row = conn.execute("SELECT is_sample FROM dataset WHERE layer_id = %s", (LAYER_ID,)).fetchone()
    if row is None or row[0]:
        return []
    other = "is_designated_shelter" if emergency else "is_emergency_site"
    flags = ", ".join(HAZARD_FLAGS)
    records = conn.execute(
        f"SELECT name, ST_X(geom), ST_Y(geom), address, gsi_id, is_designated_shelter, "
        f"is_emergency_site, capacity, {flags} FROM shelter WHERE {other} ORDER BY id"
    ).fetchall()
    sites = []
    for name, lon, lat, address, gsi_id, designated, site_flag, capacity, *hazards in records:
        site = Site(name, lon, lat, address, gsi_id, designated, site_flag,
                    dict(zip(HAZARD_FLAGS, hazards, strict=True)), capacity)
        if emergency:
            site.is_emergency_site, site.hazards = False, dict.fromkeys(HAZARD_FLAGS, False)
        else:
            site.is_designated_shelter, site.capacity = False, None
        sites.append(site)
    return sites


def merge(base: list[Site], new: list[Site], emergency: bool) -> list[Site]:
    """Add this file's sites to the other file's, merging the same place into one row."""
    merged = list(base)
    for site in new:
        match = next((b for b in merged if _same_site(b, site)), None)
        if match is None:
            merged.append(site)
            continue
        match.address = match.address or site.address
        match.gsi_id = match.gsi_id or site.gsi_id
        if emergency:
            match.is_emergency_site, match.hazards = True, site.hazards
        else:
            match.is_designated_shelter, match.capacity = True, site.capacity
    return merged


# --- the importer -------------------------------------------------------------------------------


def to_frame(sites: list[Site]) -> gpd.GeoDataFrame:
    records = [{
        "name": s.name, "address": s.address, "gsi_id": s.gsi_id,
        "is_designated_shelter": s.is_designated_shelter, "is_emergency_site": s.is_emergency_site,
        **s.hazards, "capacity": s.capacity, "is_sample": False,
    } for s in sites]
    points = [shapely.Point(s.lon, s.lat) for s in sites]
    return records_frame(records, points, JGD2011_GEOGRAPHIC)


def read_sites(path: Path, city: tuple[str, str, shapely.Geometry] | None
               ) -> tuple[list[Site], bool, Rejections, int]:
    """The valid sites of a file, whether it is the emergency-site file, rejections, skips."""
    header, rows = read_table(path)
    index = _columns(path, header)
    hazards = {header.index(h): flag for h, flag in HAZARD_COLUMNS.items() if h in header}
    emergency = bool(hazards)
    sites, rejections, skipped = [], Rejections(), 0
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            site = parse_site(row, index, hazards, emergency)
        except ValueError as error:
            rejections.add(number, str(error))
            continue
        if _in_city(site, row, index, city):
            sites.append(site)
        else:
            skipped += 1
    return sites, emergency, rejections, skipped


def import_gsi_shelters(
    conn: psycopg.Connection, path: Path, *, city_code: str | None = None
) -> ImportReport:
    """Import a GSI 指定緊急避難場所 or 指定避難所 CSV into ``shelter`` (merging with the other)."""
    city = None
    if city_code:
        name, boundary = city_boundary(conn, city_code)
        city = (city_code.strip()[:5], name, boundary)
    sites, emergency, rejections, skipped = read_sites(path, city)
    if not sites:
        raise ImportFailed(f"{path.name}: no valid rows to import "
                           f"({len(rejections.rows)} rejected, {skipped} outside the city)")
    merged = merge(existing_sites(conn, emergency), sites, emergency)
    kinds = {(s.is_emergency_site, s.is_designated_shelter) for s in merged}
    both = any(e for e, _ in kinds) and any(d for _, d in kinds)
    provenance = BOTH if both else EMERGENCY if emergency else SHELTER
    digest = fingerprint(path, FORMAT_VERSION, str(emergency), city_code or "",
                         str(len(merged)))
    count = write_layer(conn, "shelter", to_frame(merged), table_columns(shelter), provenance,
                        digest)
    return ImportReport(LAYER_ID, count, rejections.rows, skipped)
