"""What every importer shares: the report, the failure, reading a vector file with its encoding
and CRS, validating geometries, and the all-or-nothing write with provenance."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import psycopg
import pyogrio
import shapely
from sqlalchemy import Table

from data.store import KeepLinks, Provenance, replace_rows, to_storage_crs
from gis_core.errors import DomainError

JGD2000_GEOGRAPHIC = "EPSG:4612"
JGD2011_GEOGRAPHIC = "EPSG:6668"
TEXT_ENCODINGS = ("utf-8", "cp932")


class ImportFailed(Exception):
    """The file cannot be imported at all (unreadable, missing columns, wrong geometry type,
    no valid rows). Nothing was written."""


@dataclass
class ImportReport:
    """The outcome of one import: rows written, rows rejected (row number, reason) and rows
    skipped on purpose (another city, water areas, non-road ways...)."""

    layer_id: str
    imported: int
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped: int = 0


class Importer(Protocol):
    def __call__(
        self, conn: psycopg.Connection, path: Path, *, city_code: str | None = None
    ) -> ImportReport: ...


def table_columns(table: Table) -> list[str]:
    """The columns an importer writes (everything but the id, the generated ones and those
    officers change during operations, such as a shelter's status)."""
    generated = {"id", "geom", "geom_3857", "updated_at"}
    return [c.name for c in table.columns
            if c.name not in generated and not c.info.get("operational")]


def normalize_header(name: str) -> str:
    """A column name as written by hand: NFKC, no BOM, no spaces."""
    text = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "")
    return "".join(text.split())


def clean_text(value: object) -> str | None:
    """A text cell: stripped, None when empty or missing."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


# --- reading ----------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """UTF-8 when the bytes decode as UTF-8, else Shift_JIS (cp932, as Windows writes it)."""
    for encoding in TEXT_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFailed("the text is neither UTF-8 nor Shift_JIS (cp932)")


def _dbf_encoding(path: Path) -> str | None:
    """The encoding of a Shapefile's attributes: its .cpg if present, else detected from the
    bytes of the .dbf records (KSJ and e-Stat files are usually cp932 without a .cpg)."""
    if path.suffix.lower() != ".shp":
        return None
    cpg = path.with_suffix(".cpg")
    if cpg.exists():
        return cpg.read_text(errors="replace").strip() or None
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        raise ImportFailed(f"{path.name}: the attribute file {dbf.name} is missing")
    raw = dbf.read_bytes()
    header_length = int.from_bytes(raw[8:10], "little") if len(raw) >= 10 else len(raw)
    try:
        return detect_encoding(raw[header_length:])
    except ImportFailed as error:
        raise ImportFailed(f"{dbf.name}: {error}") from None


def read_vector(path: Path, *, default_crs: str | None, encoding: str | None = None
                ) -> gpd.GeoDataFrame:
    """Read a Shapefile / GML / GeoJSON with pyogrio, attributes decoded with ``encoding`` (or
    the detected one). A file without a CRS gets ``default_crs`` (the format's documented
    datum) or is refused when there is none. Returned in EPSG:4326."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    encoding = encoding or _dbf_encoding(path)
    try:
        frame = pyogrio.read_dataframe(path, encoding=encoding) if encoding else \
            pyogrio.read_dataframe(path)
    except Exception as error:  # GDAL reports unreadable files with many exception types
        raise ImportFailed(f"{path.name}: cannot read the file ({error})") from error
    if frame.crs is None:
        if default_crs is None:
            raise ImportFailed(f"{path.name}: the file has no CRS (no .prj)")
        frame = frame.set_crs(default_crs)
    return to_storage_crs(frame)


def features(frame: gpd.GeoDataFrame
             ) -> Iterator[tuple[int, pd.Series, shapely.Geometry | None]]:
    """(1-based feature number, attributes, geometry or None) for every row of a file."""
    for position, ((index, row), geometry) in enumerate(
            zip(frame.iterrows(), frame.geometry.values, strict=True)):
        number = int(index) + 1 if isinstance(index, int) else position + 1
        yield number, row, geometry if isinstance(geometry, shapely.Geometry) else None


def require_columns(frame: gpd.GeoDataFrame, path: Path, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ImportFailed(f"{path.name}: missing column(s) {', '.join(missing)}")


def require_geometry(frame: gpd.GeoDataFrame, path: Path, allowed: set[str]) -> None:
    """Refuse a file whose geometries are of another kind (points where areas are wanted)."""
    kinds = set(frame.geometry.dropna().geom_type.unique())
    if kinds and not kinds & allowed:
        raise ImportFailed(
            f"{path.name}: wrong geometry type {', '.join(sorted(kinds))}; "
            f"expected {' or '.join(sorted(allowed))}"
        )


def polygonal(geometry: shapely.Geometry | None) -> shapely.MultiPolygon | None:
    """The polygonal part of a geometry, repaired when invalid, as a MultiPolygon."""
    if not isinstance(geometry, shapely.Geometry) or geometry.is_empty:
        return None
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    parts = [g for g in getattr(geometry, "geoms", [geometry])
             if g.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [p for part in parts for p in getattr(part, "geoms", [part]) if not p.is_empty]
    return shapely.MultiPolygon(polygons) if polygons else None


# --- rejections and writing ---------------------------------------------------------------


@dataclass
class Rejections:
    """Rows refused with their reason; ``row`` is the 1-based feature number (for CSV: the
    spreadsheet row, the header being row 1)."""

    rows: list[tuple[int, str]] = field(default_factory=list)

    def add(self, row: int, reason: str) -> None:
        self.rows.append((row, reason))


def city_boundary(conn: psycopg.Connection, city_code: str) -> tuple[str, shapely.Geometry]:
    """The city's name and boundary (EPSG:4326) from the loaded ``city_boundary`` layer."""
    code = city_code.strip()[:5]
    row = conn.execute(
        "SELECT name, ST_AsBinary(ST_Union(geom)) FROM city_boundary WHERE code = %s "
        "GROUP BY name", (code,),
    ).fetchone()
    if row is None:
        raise ImportFailed(f"city code {city_code}: no such city in city_boundary")
    return row[0], shapely.from_wkb(bytes(row[1]))


def records_frame(records: list[dict[str, object]], geometries: list[shapely.Geometry],
                  crs: object) -> gpd.GeoDataFrame:
    """Rows to write, kept as Python values (an integer column with gaps stays integers and
    None, not floats and NaN)."""
    data = pd.DataFrame(records, dtype=object)
    return gpd.GeoDataFrame(data, geometry=list(geometries), crs=crs)


def write_layer(
    conn: psycopg.Connection,
    table: str,
    frame: gpd.GeoDataFrame,
    columns: list[str],
    provenance: Provenance,
    fingerprint_value: str,
    keep_links: KeepLinks | None = None,
) -> int:
    """Replace the layer's rows and its provenance in one transaction: all or nothing."""
    if frame.empty:
        raise ImportFailed(f"{provenance.layer_id}: no valid rows to import")
    try:
        with conn.transaction():
            return replace_rows(conn, table, frame, columns, provenance, fingerprint_value,
                                keep_links)
    except DomainError as refused:
        raise ImportFailed(refused.message) from None


