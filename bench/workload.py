"""What the benchmark asks for: the tiles covering the city and random bbox queries, each
in a fixed (seeded) order so runs are comparable."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from bench.layers import CITY_BBOX
from gis_core.tiles import TILE_MATRIX_SET_ID, tile_matrix_set

ITEMS_BBOX_DEGREES = 0.005
ITEMS_LIMIT = 100


@dataclass(frozen=True)
class Tile:
    z: int
    x: int
    y: int


def city_tiles(zooms: list[int], seed: int) -> list[Tile]:
    """Every tile of ``zooms`` that touches the city's bbox, once each, in a seeded order."""
    tms = tile_matrix_set()
    found = [Tile(t.z, t.x, t.y) for t in tms.tiles(*CITY_BBOX, zooms=zooms)]
    random.Random(seed).shuffle(found)
    return found


def tile_path(layer_id: str, tile: Tile) -> str:
    """OGC API – Tiles: row (y) before column (x)."""
    return (f"/collections/{layer_id}/tiles/{TILE_MATRIX_SET_ID}/"
            f"{tile.z}/{tile.y}/{tile.x}")


def random_bboxes(seed: int, size: float = ITEMS_BBOX_DEGREES) -> Iterator[str]:
    """Endless ``minx,miny,maxx,maxy`` boxes of ``size`` degrees inside the city's bbox."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = CITY_BBOX
    while True:
        x = rng.uniform(x0, x1 - size)
        y = rng.uniform(y0, y1 - size)
        yield f"{x:.6f},{y:.6f},{x + size:.6f},{y + size:.6f}"


def items_path(layer_id: str, bbox: str, limit: int = ITEMS_LIMIT) -> str:
    return f"/collections/{layer_id}/items?bbox={bbox}&limit={limit}"
