"""Writing a layer's rows: all-or-nothing replacement with provenance, fast COPY of geometries.

A load replaces a layer's rows and its ``dataset`` record in one transaction, so a failed or
interrupted load leaves the previous data intact; a load whose fingerprint matches the stored
one changes nothing (loads are idempotent).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import psycopg
import shapely

STORAGE_EPSG = 4326


@dataclass(frozen=True)
class Provenance:
    """Where a layer's rows come from; shown as attribution on the map and in the APIs."""

    layer_id: str
    source_ja: str
    source_en: str
    license: str
    attribution: str
    is_sample: bool


LOADER_ACTOR = "citygis load"


KeepLinks = Callable[[psycopg.Connection], contextlib.AbstractContextManager[None]]

def fingerprint(*parts: bytes | str | Path) -> str:
    """A stable digest of the inputs of a load (file contents, generator version, seed)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            digest.update(part.read_bytes())
        elif isinstance(part, str):
            digest.update(part.encode())
        else:
            digest.update(part)
    return digest.hexdigest()


def stored_fingerprint(conn: psycopg.Connection, layer_id: str) -> str | None:
    row = conn.execute(
        "SELECT fingerprint FROM dataset WHERE layer_id = %s", (layer_id,)
    ).fetchone()
    return row[0] if row else None


def to_storage_crs(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ValueError("the data has no CRS; refusing to guess")
    if frame.crs.to_epsg() != STORAGE_EPSG:
        frame = frame.to_crs(epsg=STORAGE_EPSG)
    return frame


def _copy_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _rows(frame: gpd.GeoDataFrame, columns: list[str]) -> Iterable[list[object]]:
    geometries = shapely.to_wkb(
        shapely.set_srid(frame.geometry.values, STORAGE_EPSG), hex=True, include_srid=True
    )
    records = frame[columns].itertuples(index=False, name=None)
    for record, geometry in zip(records, geometries, strict=True):
        yield [*(_copy_value(v) for v in record), geometry]


def replace_rows(
    conn: psycopg.Connection,
    table: str,
    frame: gpd.GeoDataFrame,
    columns: list[str],
    provenance: Provenance,
    fingerprint_value: str,
    keep_links: KeepLinks | None = None,
) -> int:
    """Replace every row of ``table`` with ``frame`` (in the caller's transaction).
    ``keep_links`` wraps the replacement when rows of other tables point at the replaced ones
    (a domain's rule, such as rooms following their facility)."""
    frame = to_storage_crs(frame)
    conn.execute("SELECT set_config('citygis.actor', %s, true)", (LOADER_ACTOR,))  # history
    with keep_links(conn) if keep_links else contextlib.nullcontext():
        conn.execute(f"DELETE FROM {table}")
        column_list = ", ".join([*columns, "geom"])
        with conn.cursor().copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
            for row in _rows(frame, columns):
                copy.write_row(row)
    record_dataset(conn, provenance, fingerprint_value, len(frame))
    return len(frame)


def record_dataset(
    conn: psycopg.Connection, provenance: Provenance, fingerprint_value: str, count: int
) -> None:
    conn.execute(
        """
        INSERT INTO dataset (layer_id, source_ja, source_en, license, attribution, is_sample,
                             fingerprint, feature_count, loaded_at)
        VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())
        ON CONFLICT (layer_id) DO UPDATE SET
            source_ja = EXCLUDED.source_ja, source_en = EXCLUDED.source_en,
            license = EXCLUDED.license, attribution = EXCLUDED.attribution,
            is_sample = EXCLUDED.is_sample, fingerprint = EXCLUDED.fingerprint,
            feature_count = EXCLUDED.feature_count, loaded_at = now()
        """,
        (
            provenance.layer_id, provenance.source_ja, provenance.source_en, provenance.license,
            provenance.attribution, provenance.is_sample, fingerprint_value, count,
        ),
    )
