"""Raster files (Cloud-Optimized GeoTIFF, one band of values) read with rasterio: PNG tiles on
WebMercatorQuad through a colour ramp of classes, the value at a point, values sampled at many
points, and the import of any GeoTIFF with reprojection to the stored CRS.

Nothing here knows what the values mean: callers pass the classes of their legend.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.io import MemoryFile
from rasterio.transform import from_bounds
from rasterio.vrt import WarpedVRT
from rasterio.warp import calculate_default_transform, reproject, transform, transform_bounds

from gis_core.tiles import tile_matrix_set

TILE_SIZE = 256
NODATA = -9999.0
STORED_CRS = "EPSG:6677"  # JGD2011 / 平面直角座標系 IX: metres, the city's own plane
MAX_PIXELS = 200_000_000  # a 1 m grid over 200 km²; anything larger is not a city's hazard map


class InvalidRaster(ValueError):
    """The file is not a usable single-band georeferenced raster (unreadable, no CRS, empty)."""


@dataclass(frozen=True)
class RasterClass:
    """One class of a legend: values in [lower, upper) drawn in ``colour`` (#rrggbb)."""

    lower: float
    upper: float | None
    colour: str
    label_ja: str
    label_en: str

    def rgba(self, alpha: int) -> tuple[int, int, int, int]:
        value = self.colour.lstrip("#")
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha

    def contains(self, value: float) -> bool:
        return value >= self.lower and (self.upper is None or value < self.upper)


def classify(values: np.ndarray, classes: tuple[RasterClass, ...], alpha: int = 200
             ) -> np.ndarray:
    """RGBA (4, h, w) uint8 of the values; NaN and values under the first class stay clear."""
    rgba = np.zeros((4, *values.shape), dtype=np.uint8)
    for raster_class in classes:
        inside = values >= raster_class.lower
        if raster_class.upper is not None:
            inside &= values < raster_class.upper
        for band, channel in enumerate(raster_class.rgba(alpha)):
            rgba[band][inside] = channel
    return rgba


def png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA array, through GDAL's PNG driver."""
    _, height, width = rgba.shape
    with warnings.catch_warnings(), MemoryFile() as memory:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with memory.open(driver="PNG", width=width, height=height, count=4, dtype="uint8") as out:
            out.write(rgba)
        return memory.read()


def transparent_png() -> bytes:
    return png(np.zeros((4, TILE_SIZE, TILE_SIZE), dtype=np.uint8))


def _masked(values: np.ndarray, nodata: float | None) -> np.ndarray:
    values = values.astype("float32", copy=False)
    if nodata is not None and not math.isnan(nodata):
        values = np.where(values == nodata, np.nan, values)
    return values


def tile_values(path: Path, z: int, x: int, y: int) -> np.ndarray | None:
    """The raster resampled (nearest) onto tile z/x/y of WebMercatorQuad; None when the tile
    lies outside the raster."""
    bounds = tile_matrix_set().xy_bounds(x, y, z)
    with rasterio.open(path) as src:
        left, bottom, right, top = transform_bounds(src.crs, "EPSG:3857", *src.bounds)
        if bounds.left >= right or bounds.right <= left or bounds.bottom >= top \
                or bounds.top <= bottom:
            return None
        tile_transform = from_bounds(*bounds, TILE_SIZE, TILE_SIZE)
        nodata = src.nodata if src.nodata is not None else NODATA
        with WarpedVRT(src, crs="EPSG:3857", transform=tile_transform, width=TILE_SIZE,
                       height=TILE_SIZE, resampling=Resampling.nearest, nodata=nodata) as vrt:
            return _masked(vrt.read(1), nodata)


def render_tile(path: Path, z: int, x: int, y: int, classes: tuple[RasterClass, ...]) -> bytes:
    values = tile_values(path, z, x, y)
    if values is None:
        return transparent_png()
    return png(classify(values, classes))


def sample(path: Path, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Values at many lon/lat points (NaN outside the raster or on nodata). Reads the band
    once: hazard rasters of a city fit in memory."""
    with rasterio.open(path) as src:
        xs, ys = transform("EPSG:4326", src.crs, list(map(float, lon)), list(map(float, lat)))
        band = _masked(src.read(1), src.nodata)
        rows, cols = rasterio.transform.rowcol(src.transform, xs, ys)
    rows, cols = np.asarray(rows), np.asarray(cols)
    inside = (rows >= 0) & (rows < band.shape[0]) & (cols >= 0) & (cols < band.shape[1])
    values = np.full(len(rows), np.nan, dtype="float32")
    values[inside] = band[rows[inside], cols[inside]]
    return values


def value_at(path: Path, lon: float, lat: float) -> float | None:
    """The value of the cell holding (lon, lat); None outside the raster or on nodata."""
    with rasterio.open(path) as src:
        (x,), (y,) = transform("EPSG:4326", src.crs, [lon], [lat])
        row, col = src.index(x, y)
        if not (0 <= row < src.height and 0 <= col < src.width):
            return None
        cell = src.read(1, window=((row, row + 1), (col, col + 1)))
        value = float(_masked(cell, src.nodata)[0, 0])
    return None if math.isnan(value) else value


def lonlat_bounds(path: Path) -> tuple[float, float, float, float]:
    with rasterio.open(path) as src:
        return transform_bounds(src.crs, "EPSG:4326", *src.bounds)


# --- writing ------------------------------------------------------------------------------


def write_cog(path: Path, values: np.ndarray, affine: rasterio.Affine, crs: str,
              tags: dict[str, str]) -> None:
    """A single-band float32 Cloud-Optimized GeoTIFF with overviews. Deterministic: the same
    values and tags give the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = values.shape
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1,
               "dtype": "float32", "crs": CRS.from_user_input(crs), "transform": affine,
               "nodata": NODATA}
    with MemoryFile() as memory:
        with memory.open(**profile) as staging:
            staging.write(np.where(np.isnan(values), NODATA, values).astype("float32"), 1)
            staging.update_tags(**tags)
        with memory.open() as staged:
            rasterio.shutil.copy(staged, str(path), driver="COG", COMPRESS="DEFLATE",
                                 PREDICTOR="YES", OVERVIEWS="AUTO", BLOCKSIZE=str(TILE_SIZE),
                                 RESAMPLING="NEAREST")


def _open_checked(source: Path) -> rasterio.DatasetReader:
    if not source.is_file():
        raise InvalidRaster(f"{source.name}: no such file")
    try:
        src = rasterio.open(source)
    except RasterioError as error:
        reason = str(error).replace(str(source), source.name)  # no server path in the answer
        raise InvalidRaster(f"{source.name}: not a readable GeoTIFF ({reason})") from None
    if src.crs is None:
        src.close()
        raise InvalidRaster(f"{source.name}: the raster has no CRS (georeferencing)")
    if src.width * src.height > MAX_PIXELS:
        src.close()
        raise InvalidRaster(f"{source.name}: {src.width}×{src.height} pixels is too large")
    return src


def import_geotiff(source: Path, target: Path, tags: dict[str, str],
                   crs: str = STORED_CRS) -> tuple[float, float, float, float]:
    """Reproject band 1 of ``source`` to ``crs`` (nearest: values are classes of depth, not
    to be smoothed) and write it as a COG at ``target``. Returns its lon/lat bounds."""
    with _open_checked(source) as src:
        try:
            affine, width, height = calculate_default_transform(
                src.crs, crs, src.width, src.height, *src.bounds)
            values = np.full((height, width), np.nan, dtype="float32")
            reproject(_masked(src.read(1), src.nodata), values, src_transform=src.transform,
                      src_crs=src.crs, dst_transform=affine, dst_crs=crs,
                      src_nodata=np.nan, dst_nodata=np.nan, resampling=Resampling.nearest)
        except (RasterioError, ValueError) as error:
            raise InvalidRaster(f"{source.name}: cannot read or reproject ({error})") from None
    if np.isnan(values).all():
        raise InvalidRaster(f"{source.name}: the raster holds no values")
    write_cog(target, values, affine, crs, tags)
    return lonlat_bounds(target)
