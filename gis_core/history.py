"""Reading feature history (table ``feature_version``, migration 0006): a feature's current
version, its versions, one version as a feature, and a layer as it was at an instant.

Versions are written by the trigger ``citygis_feature_history``, never by this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from gis_core.catalog import VERSION_PROPERTY, Layer
from gis_core.sql import Params


def literal(text: str) -> str:
    """A SQL string literal of a catalog identifier (layer ids are declared in code)."""
    return "'" + text.replace("'", "''") + "'"


def current_version_sql(layer: Layer, id_sql: str) -> str:
    """The newest version of the feature whose id is ``id_sql``: its ETag."""
    return (f"(SELECT max(v.version) FROM feature_version v "
            f"WHERE v.layer_id = {literal(layer.id)} AND v.feature_id = {id_sql})")


async def current_version(conn: asyncpg.Connection, layer: Layer, feature_id: int) -> int:
    """0 for a feature that has no history (its table has no history trigger)."""
    value = await conn.fetchval(f"SELECT {current_version_sql(layer, '$1')}", feature_id)
    return value or 0


async def others_wrote_since(conn: asyncpg.Connection, layer: Layer, feature_id: int,
                             version: int, actor: str) -> bool:
    """Whether anyone but ``actor`` wrote a version of the feature after ``version``."""
    return await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM feature_version WHERE layer_id = $1 AND feature_id = $2 "
        "AND version > $3 AND actor <> $4)", layer.id, feature_id, version, actor)


@dataclass(frozen=True)
class Version:
    version: int
    op: str
    valid_from: datetime
    valid_to: datetime | None
    actor: str
    changed: list[str]

    def doc(self) -> dict[str, object]:
        return {"version": self.version, "op": self.op,
                "validFrom": self.valid_from.isoformat(),
                "validTo": self.valid_to.isoformat() if self.valid_to else None,
                "actor": self.actor, "changed": self.changed}


async def versions(conn: asyncpg.Connection, layer: Layer, feature_id: int) -> list[Version]:
    rows = await conn.fetch(
        "SELECT version, op, valid_from, valid_to, actor, changed FROM feature_version "
        "WHERE layer_id = $1 AND feature_id = $2 ORDER BY version", layer.id, feature_id)
    return [Version(**dict(row)) for row in rows]


def _record_sql(layer: Layer) -> str:
    """A version as a row of the layer's table (typed columns, geometry included)."""
    return (f"jsonb_populate_record(NULL::{layer.table}, fv.properties || jsonb_build_object("
            f"'{layer.geometry_column}', encode(ST_AsEWKB(fv.geom), 'hex')))")


def as_of_source_sql(layer: Layer, at: datetime, params: Params) -> str:
    """A relation shaped like the layer's table (plus ``feature_version``) holding the features
    current at ``at``, so that every query written for the table runs on the past as well."""
    instant = params.add(at)
    return (
        f"(SELECT r.*, fv.version AS {VERSION_PROPERTY} FROM feature_version fv "
        f"CROSS JOIN LATERAL {_record_sql(layer)} r "
        f"WHERE fv.layer_id = {params.add(layer.id)} AND fv.op <> 'delete' "
        f"AND fv.valid_from <= {instant} AND (fv.valid_to IS NULL OR fv.valid_to > {instant}))"
    )


def version_source_sql(layer: Layer) -> str:
    """One version ($1 feature id, $2 version) shaped like the table, with its ``op``."""
    return (
        f"(SELECT r.*, fv.version AS {VERSION_PROPERTY}, fv.op AS version_op "
        f"FROM feature_version fv CROSS JOIN LATERAL {_record_sql(layer)} r "
        f"WHERE fv.layer_id = {literal(layer.id)} AND fv.feature_id = $1 AND fv.version = $2)"
    )
