"""Writing features — create, replace, update, delete, revert — in the caller's transaction,
with optimistic locking on the feature's version (its ETag).

The check and the write are one: the feature's row is locked (SELECT … FOR UPDATE) before its
current version is read, so a concurrent writer waits and then sees the version the first one
wrote. The history trigger records each write under ``citygis.actor`` (``act_as``).

The rule for writes that name no version (no If-Match) is: **a write may never discard a version
written by someone else that the writer has not seen.**
- If-Match names versions: the current one must be among them, else 412.
- No If-Match, but the body says which version the client read (``feature_version``, which
  QGIS echoes back on PUT): accepted when nobody else wrote after that version (the same person's
  later saves from the same stale copy are fine), else 412.
- Neither: accepted only when the current version is the writer's own, else 428.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import shapely

from gis_core.catalog import UPDATED_AT, Layer
from gis_core.history import current_version, others_wrote_since
from gis_core.sql import Params
from gis_core.validation import DEFAULT, FeatureInput, table_columns


class FeatureMissing(LookupError):
    """No such feature (or version of it)."""


class StaleVersion(Exception):
    """The writer's version is not the current one (412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the feature is at version {current}; reload it and apply your change "
                         "again")
        self.current = current


class VersionRequired(Exception):
    """A write with no version, on a feature someone else wrote last (428)."""

    def __init__(self, current: int) -> None:
        super().__init__(f'send If-Match with the ETag you read (the feature is at "v{current}")')
        self.current = current


@dataclass(frozen=True)
class Base:
    """What the writer based its change on."""

    if_match: frozenset[int] | None = None  # versions If-Match names; None: no If-Match
    read_version: int | None = None  # ``feature_version`` sent back in the body


@dataclass(frozen=True)
class Written:
    feature_id: int
    version: int
    op: str
    changed: list[str]


async def act_as(conn: asyncpg.Connection, actor: str) -> None:
    """Name the writer in the history rows of this transaction."""
    await conn.execute("SELECT set_config('citygis.actor', $1, true)", actor)


async def check_base(conn: asyncpg.Connection, layer: Layer, feature_id: int, current: int,
                     base: Base, actor: str) -> None:
    if base.if_match is not None:
        if current not in base.if_match:
            raise StaleVersion(current)
        return
    if base.read_version is None:
        if current == 0 or await others_wrote_since(conn, layer, feature_id, current - 1, actor):
            raise VersionRequired(current)
        return
    if base.read_version > current or await others_wrote_since(
            conn, layer, feature_id, base.read_version, actor):
        raise StaleVersion(current)


async def _lock(conn: asyncpg.Connection, layer: Layer, feature_id: int) -> bool:
    found = await conn.fetchval(
        f'SELECT true FROM {layer.table} WHERE "{layer.id_column}" = $1 FOR UPDATE', feature_id)
    return bool(found)


async def lock_current(conn: asyncpg.Connection, layer: Layer, feature_id: int) -> int:
    """Lock the feature and return its current version."""
    if not await _lock(conn, layer, feature_id):
        raise FeatureMissing(f"no feature {feature_id} in {layer.id}")
    return await current_version(conn, layer, feature_id)


async def _written(conn: asyncpg.Connection, layer: Layer, feature_id: int) -> Written:
    row = await conn.fetchrow(
        "SELECT version, op, changed FROM feature_version WHERE layer_id = $1 "
        "AND feature_id = $2 ORDER BY version DESC LIMIT 1", layer.id, feature_id)
    if row is None:  # a table without the history trigger
        return Written(feature_id, 0, "unknown", [])
    return Written(feature_id, row[0], row[1], list(row[2]))


def _value_sql(value: object, params: Params) -> str:
    return "DEFAULT" if value is DEFAULT else params.add(value)


def _assignments(layer: Layer, feature: FeatureInput, params: Params) -> dict[str, str]:
    """Column → SQL of its new value."""
    sql = {f'"{name}"': _value_sql(value, params) for name, value in feature.values.items()}
    if feature.geometry is not None:
        wkb = params.add(shapely.to_wkb(feature.geometry))
        sql[f'"{layer.geometry_column}"'] = f"ST_GeomFromWKB({wkb}, 4326)"
    return sql


async def create(conn: asyncpg.Connection, layer: Layer, feature: FeatureInput) -> Written:
    params = Params()
    values = {k: v for k, v in _assignments(layer, feature, params).items() if v != "DEFAULT"}
    feature_id = await conn.fetchval(
        f"INSERT INTO {layer.table} ({', '.join(values)}) VALUES ({', '.join(values.values())}) "
        f'RETURNING "{layer.id_column}"', *params.values)
    return await _written(conn, layer, feature_id)


async def update(conn: asyncpg.Connection, layer: Layer, feature_id: int,
                 feature: FeatureInput, base: Base, actor: str) -> Written:
    """Replace (all writable columns given) or merge (some): the same statement."""
    current = await lock_current(conn, layer, feature_id)
    await check_base(conn, layer, feature_id, current, base, actor)
    params = Params()
    values = _assignments(layer, feature, params)
    if not values:
        return Written(feature_id, current, "none", [])
    setting = ", ".join(f"{column} = {value}" for column, value in values.items())
    await conn.execute(
        f'UPDATE {layer.table} SET {setting} WHERE "{layer.id_column}" = '
        f"{params.add(feature_id)}", *params.values)
    return await _written(conn, layer, feature_id)


async def delete(conn: asyncpg.Connection, layer: Layer, feature_id: int, base: Base,
                 actor: str) -> Written:
    current = await lock_current(conn, layer, feature_id)
    await check_base(conn, layer, feature_id, current, base, actor)
    await conn.execute(f'DELETE FROM {layer.table} WHERE "{layer.id_column}" = $1', feature_id)
    return await _written(conn, layer, feature_id)


async def revert(conn: asyncpg.Connection, layer: Layer, feature_id: int, version: int,
                 base: Base, actor: str) -> Written:
    """Make the feature what it was at ``version`` — a new version, history is never rewritten.
    Reverting to a deletion deletes; reverting a deleted feature restores it."""
    op = await conn.fetchval(
        "SELECT op FROM feature_version WHERE layer_id = $1 AND feature_id = $2 AND version = $3",
        layer.id, feature_id, version)
    if op is None:
        raise FeatureMissing(f"feature {feature_id} of {layer.id} has no version {version}")
    exists = await _lock(conn, layer, feature_id)
    current = await current_version(conn, layer, feature_id)
    await check_base(conn, layer, feature_id, current, base, actor)
    if op == "delete":
        if exists:
            await conn.execute(f'DELETE FROM {layer.table} WHERE "{layer.id_column}" = $1',
                               feature_id)
        return await _written(conn, layer, feature_id)
    await _restore(conn, layer, feature_id, version, exists)
    return await _written(conn, layer, feature_id)


async def _restore(conn: asyncpg.Connection, layer: Layer, feature_id: int, version: int,
                   exists: bool) -> None:
    kept = (layer.id_column, layer.geometry_column, UPDATED_AT.name)
    columns = [f'"{c}"' for c in await table_columns(conn, layer.table) if c not in kept]
    columns.append(f'"{layer.geometry_column}"')
    old = ", ".join(f"r.{c}" for c in columns[:-1])
    source = (f"FROM feature_version fv CROSS JOIN LATERAL "
              f"jsonb_populate_record(NULL::{layer.table}, fv.properties) r "
              "WHERE fv.layer_id = $2 AND fv.feature_id = $1 AND fv.version = $3")
    if exists:
        sql = (f"UPDATE {layer.table} SET ({', '.join(columns)}) = (SELECT {old}, fv.geom "
               f'{source}) WHERE "{layer.id_column}" = $1')
    else:
        sql = (f'INSERT INTO {layer.table} ("{layer.id_column}", {", ".join(columns)}) '
               f"SELECT fv.feature_id, {old}, fv.geom {source}")
    try:
        async with conn.transaction():  # a savepoint: the transaction survives the error
            await conn.execute(sql, feature_id, layer.id, version)
    except asyncpg.UniqueViolationError:  # restored meanwhile by someone else
        raise StaleVersion(await current_version(conn, layer, feature_id)) from None
