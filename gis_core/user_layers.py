"""Layers planners define at run time. Each has a row in ``user_layer`` and a table
``ul_<id>`` made like every other layer table (gis_core.schema: geometry, tile copy, time stamp,
version bump, feature history). Identifiers are checked against a strict pattern and quoted;
a user's text never reaches SQL unquoted."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import asyncpg
from pydantic import BaseModel, Field, field_validator

from gis_core.access import Role
from gis_core.catalog import TEXT_LENGTH, Catalog, FieldType, GeometryType, Layer
from gis_core.catalog import Field as LayerField
from gis_core.schema import LAYER_CHANGED_CHANNEL, history_trigger_sql, layer_geometry_sql

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
RESERVED = {"id", "geom", "geom_3857", "updated_at", "feature_version"}
SQL_TYPES: dict[str, str] = {"string": "text", "integer": "bigint", "number": "double precision",
                             "boolean": "boolean", "date": "date", "datetime": "timestamptz"}
DOMAIN = "user"


class FieldSpec(BaseModel):
    name: str = Field(pattern=IDENTIFIER.pattern)
    type: FieldType
    title_ja: str = Field(min_length=1, max_length=100)
    title_en: str = Field(min_length=1, max_length=100)
    max_length: int | None = Field(default=None, ge=1, le=10_000,
                                   description=f"for strings; {TEXT_LENGTH} when unset")

    @field_validator("name")
    @classmethod
    def not_reserved(cls, name: str) -> str:
        if name in RESERVED:
            raise ValueError(f"{name!r} is reserved")
        return name


class LayerSpec(BaseModel):
    id: str = Field(pattern=IDENTIFIER.pattern)
    geometry_type: GeometryType
    title_ja: str = Field(min_length=1, max_length=200)
    title_en: str = Field(min_length=1, max_length=200)
    description_ja: str = Field(default="", max_length=2000)
    description_en: str = Field(default="", max_length=2000)
    fields: list[FieldSpec] = Field(default_factory=list, max_length=100)
    read_roles: list[Role] = Field(default_factory=lambda: [Role.PUBLIC])
    edit_roles: list[Role] = Field(default_factory=lambda: [Role.PLANNER])
    source: str = Field(default="", max_length=500)
    license: str = Field(default="", max_length=200)

    @field_validator("fields")
    @classmethod
    def distinct_names(cls, fields: list[FieldSpec]) -> list[FieldSpec]:
        names = [f.name for f in fields]
        if len(names) != len(set(names)):
            raise ValueError("field names must be distinct")
        return fields


def table_of(layer_id: str) -> str:
    if not IDENTIFIER.match(layer_id):
        raise ValueError(f"bad layer id {layer_id!r}")
    return f"ul_{layer_id}"


def _column_sql(table: str, spec: FieldSpec) -> str:
    column = f',\n    "{spec.name}" {SQL_TYPES[spec.type]}'
    if spec.type == "string":
        limit = spec.max_length or TEXT_LENGTH
        column += (f' CONSTRAINT "{table}_{spec.name}_length" '
                   f'CHECK (char_length("{spec.name}") <= {limit})')
    return column


def create_sql(spec: LayerSpec) -> str:
    table = table_of(spec.id)
    columns = "".join(_column_sql(table, f) for f in spec.fields)
    return (f"CREATE TABLE {table} (\n    id bigserial PRIMARY KEY{columns}\n);\n"
            + layer_geometry_sql(table, spec.geometry_type, [spec.id])
            + history_trigger_sql(table, spec.id))


def to_layer(row: dict[str, Any]) -> Layer:
    fields = json.loads(row["fields"]) if isinstance(row["fields"], str) else row["fields"]
    return Layer(
        id=row["id"], table=table_of(row["id"]), geometry_type=row["geometry_type"],
        title_ja=row["title_ja"], title_en=row["title_en"],
        description_ja=row["description_ja"], description_en=row["description_en"],
        fields=tuple(LayerField(f["name"], f["type"], f["title_ja"], f["title_en"],
                                max_length=f.get("max_length")) for f in fields),
        domain=DOMAIN, read_roles=frozenset(Role(r) for r in row["read_roles"]),
        edit_roles=frozenset(Role(r) for r in row["edit_roles"]),
        keywords=("user layer",),
    )


async def create(conn: asyncpg.Connection, spec: LayerSpec, creator: str) -> Layer:
    """The definition and the table, in the caller's transaction."""
    row = await conn.fetchrow(
        "INSERT INTO user_layer (id, geometry_type, title_ja, title_en, description_ja, "
        "description_en, fields, read_roles, edit_roles, source, license, created_by) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12) RETURNING *",
        spec.id, spec.geometry_type, spec.title_ja, spec.title_en, spec.description_ja,
        spec.description_en, json.dumps([f.model_dump() for f in spec.fields]),
        [str(r) for r in spec.read_roles], [str(r) for r in spec.edit_roles], spec.source,
        spec.license, creator)
    await conn.execute(create_sql(spec))
    await conn.execute(
        "INSERT INTO dataset (layer_id, source_ja, source_en, license, attribution, is_sample, "
        "fingerprint, feature_count, loaded_at) VALUES ($1, $2, $2, $3, $4, false, '', 0, now())",
        spec.id, spec.source or f"{creator} が作成", spec.license,
        spec.source or f"{spec.title_ja}（{creator}）")
    await _announce(conn, spec.id)
    return to_layer(dict(row))


async def _announce(conn: asyncpg.Connection, layer_id: str) -> None:
    """Tell every server process (on commit) that the layer came or went: their listeners see
    a new version of it and re-read the user layers (see ``refresh``)."""
    version = await conn.fetchval(
        "SELECT coalesce(max(version), 0) + 1 FROM layer_version WHERE layer_id = $1", layer_id)
    await conn.execute("UPDATE layer_version SET version = $2 WHERE layer_id = $1",
                       layer_id, version)
    await conn.execute("SELECT pg_notify($1, $2)", LAYER_CHANGED_CHANNEL,
                       f"{layer_id}:{version}")


async def drop(conn: asyncpg.Connection, layer_id: str) -> bool:
    deleted = await conn.fetchval("DELETE FROM user_layer WHERE id = $1 RETURNING id", layer_id)
    if deleted is None:
        return False
    await conn.execute(f"DROP TABLE {table_of(layer_id)}")
    await conn.execute("DELETE FROM dataset WHERE layer_id = $1", layer_id)
    await _announce(conn, layer_id)
    await conn.execute("DELETE FROM layer_version WHERE layer_id = $1", layer_id)
    return True


def is_user_layer(catalog: Catalog, layer_id: str) -> bool:
    """Whether a change of ``layer_id`` may mean a user layer came or went."""
    known = catalog.get(layer_id)
    return known is None or known.domain == DOMAIN


async def refresh(catalog: Catalog, conn: asyncpg.Connection) -> None:
    """Put every user layer into the app's catalog, and take out the dropped ones."""
    rows = await conn.fetch("SELECT * FROM user_layer")
    defined = {row["id"] for row in rows}
    for layer in list(catalog):
        if layer.domain == DOMAIN and layer.id not in defined:
            catalog.remove(layer.id)
    for row in rows:
        catalog.put(to_layer(dict(row)))


# --- filling a layer from a file ------------------------------------------------------------

def infer_type(values: Any) -> FieldType:
    """The narrowest field type every non-empty value of a column fits."""
    import pandas as pd

    present = values[values.notna() & (values.astype(str).str.strip() != "")]
    if present.empty:
        return "string"
    if pd.api.types.is_bool_dtype(present):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(present):
        return "datetime"
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.notna().all():
        return "integer" if (numbers == numbers.round()).all() and abs(numbers).max() < 2**53 \
            else "number"
    return "string"


def convert(value: Any, kind: FieldType) -> Any:
    """A file's value as the column's type; ValueError says why it does not fit."""
    import datetime as dt

    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    if kind == "integer":
        number = float(value)
        if number != int(number):
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    if kind == "number":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{value!r} is not a finite number")
        return number
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
    if kind == "datetime":
        stamp = pd.Timestamp(value)
        return (stamp if stamp.tzinfo else stamp.tz_localize("Asia/Tokyo")).to_pydatetime()
    if kind == "date":
        return pd.Timestamp(value).date() if not isinstance(value, dt.date) else value
    text = str(value)
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    return text


async def insert_rows(conn: asyncpg.Connection, layer: Layer,
                      rows: list[tuple[bytes, list[Any]]]) -> int:
    """Insert (WKB, values in the layer's field order) rows, in the caller's transaction."""
    names = [f.name for f in layer.fields if f.name != "updated_at"]
    columns = "".join(f', "{n}"' for n in names)
    places = "".join(f", ${i + 2}" for i in range(len(names)))
    sql = (f"INSERT INTO {layer.table} (geom{columns}) "
           f"VALUES (ST_SetSRID(ST_GeomFromWKB($1), 4326){places})")
    await conn.executemany(sql, [(wkb, *values) for wkb, values in rows])
    return len(rows)
