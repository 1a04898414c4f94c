"""Vector tiles from PostGIS (ST_AsMVT) on the WebMercatorQuad tile matrix set, and the cache
that serves repeats until a layer changes.

One parameterised statement per tile. The API's connections use a custom plan for every
execution (see gis_core.database.API_SERVER_SETTINGS): a generic plan would recompute the tile
envelope per row.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import asyncpg
import morecantile
from isal import igzip

from gis_core.catalog import Layer

TILE_MATRIX_SET_ID = "WebMercatorQuad"
EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22


@lru_cache
def tile_matrix_set() -> morecantile.TileMatrixSet:
    return morecantile.tms.get(TILE_MATRIX_SET_ID)


class TileOutOfRange(ValueError):
    """z/x/y outside the tile matrix set's limits."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileOutOfRange("tileMatrix", f"zoom {z} is outside 0–{MAX_ZOOM}")
    size = 1 << z
    if not 0 <= x < size:
        raise TileOutOfRange("tileCol", f"column {x} is outside 0–{size - 1} at zoom {z}")
    if not 0 <= y < size:
        raise TileOutOfRange("tileRow", f"row {y} is outside 0–{size - 1} at zoom {z}")


def layer_tile_sql(layer: Layer) -> str:
    """SQL of one layer's MVT for tile ($1, $2, $3) = (z, x, y)."""
    geometry = f't."{layer.tile_geometry_column}"'
    attributes = ", ".join(f'{f.sql} AS "{f.name}"' for f in layer.fields)
    return (
        f"SELECT ST_AsMVT(q, '{layer.id}', {EXTENT}, 'geom', 'id') FROM ("
        f'SELECT t."{layer.id_column}" AS id, {attributes}, '
        f"ST_AsMVTGeom({geometry}, ST_TileEnvelope($1, $2, $3), {EXTENT}, {BUFFER}, true) AS geom "
        f"FROM {layer.table} t "
        f"WHERE {geometry} && ST_TileEnvelope($1, $2, $3, margin => {BUFFER / EXTENT})"
        ") q"
    )


def in_zoom_range(layer: Layer, z: int) -> bool:
    return layer.min_zoom <= z <= layer.max_zoom


def tileset_sql(layers: Sequence[Layer], z: int) -> str | None:
    """One statement for a multi-layer tile: the layers' MVTs concatenated (a valid MVT)."""
    parts = [f"({layer_tile_sql(layer)})" for layer in layers if in_zoom_range(layer, z)]
    if not parts:
        return None
    return "SELECT " + " || ".join(parts)


async def render_tile(conn: asyncpg.Connection, layers: Sequence[Layer], z: int, x: int,
                      y: int) -> bytes:
    sql = tileset_sql(layers, z)
    if sql is None:
        return b""
    return bytes(await conn.fetchval(sql, z, x, y) or b"")


@dataclass(frozen=True)
class TileKey:
    tileset: str
    versions: tuple[int, ...]
    z: int
    x: int
    y: int

    @property
    def etag(self) -> str:
        text = f"{self.tileset}:{'.'.join(map(str, self.versions))}:{self.z}/{self.x}/{self.y}"
        return '"' + hashlib.blake2s(text.encode(), digest_size=12).hexdigest() + '"'


def gzip_tile(tile: bytes) -> bytes:
    """Compress a tile once, for the cache. ISA-L at level 1 is ~4× faster than zlib's level 1
    on MVT (2.5 ms against 10 ms for a 930 kB tile) and as small. An empty tile stays empty
    (served as 204)."""
    return igzip.compress(tile, compresslevel=1, mtime=0) if tile else b""


def gunzip_tile(tile: bytes) -> bytes:
    return igzip.decompress(tile) if tile else b""


class TileCache:
    """Least-recently-used tiles within a byte budget. Keys carry the layers' versions, so a
    changed layer's tiles are never served again and age out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._tiles: OrderedDict[TileKey, bytes] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: TileKey) -> bytes | None:
        tile = self._tiles.get(key)
        if tile is None:
            self.misses += 1
            return None
        self._tiles.move_to_end(key)
        self.hits += 1
        return tile

    def put(self, key: TileKey, tile: bytes) -> None:
        if len(tile) > self.max_bytes // 8:
            return
        if key in self._tiles:
            return
        self._tiles[key] = tile
        self.size += len(tile)
        while self.size > self.max_bytes:
            _, evicted = self._tiles.popitem(last=False)
            self.size -= len(evicted)

    def evict(self, tilesets: set[str]) -> None:
        """Free the memory of tilesets whose layers changed (their keys can no longer hit)."""
        stale = [key for key in self._tiles if key.tileset in tilesets]
        for key in stale:
            self.size -= len(self._tiles.pop(key))
