"""The CRS registry: storage in EPSG:4326 (x = longitude), metric work in EPSG:6677, tiles in
EPSG:3857, imports from the old Tokyo datum EPSG:4301 and the plane rectangular zones.

OGC API CRS identifiers are URIs; a CRS whose first axis points north (EPSG:4326 latitude,
EPSG:6677 X = northing) is answered in that axis order, as OGC API Features Part 2 requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS, Geod, Transformer

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{code}"
STORAGE_SRID = 4326
METRIC_SRID = 6677
WEB_MERCATOR_SRID = 3857
TOKYO_DATUM_SRID = 4301
GRS80 = Geod(ellps="GRS80")


class UnknownCrs(ValueError):
    """A CRS URI the server does not offer."""


@dataclass(frozen=True)
class OutputCrs:
    uri: str
    srid: int
    north_first: bool  # axis order of coordinates in responses and bbox-crs
    decimals: int

    @property
    def is_storage(self) -> bool:
        return self.srid == STORAGE_SRID and not self.north_first


def _describe(uri: str, srid: int) -> OutputCrs:
    if uri == CRS84_URI:
        return OutputCrs(uri, STORAGE_SRID, north_first=False, decimals=7)
    crs = CRS.from_epsg(srid)
    first_axis = crs.axis_info[0].direction.lower()
    decimals = 7 if crs.is_geographic else 3
    return OutputCrs(uri, srid, north_first=first_axis in ("north", "south"), decimals=decimals)


SUPPORTED_SRIDS = (STORAGE_SRID, METRIC_SRID, WEB_MERCATOR_SRID, 6668, 4612, 2451)


@lru_cache
def supported() -> dict[str, OutputCrs]:
    crs_list = {CRS84_URI: _describe(CRS84_URI, STORAGE_SRID)}
    for srid in SUPPORTED_SRIDS:
        uri = EPSG_URI.format(code=srid)
        crs_list[uri] = _describe(uri, srid)
    return crs_list


def parse_crs(uri: str) -> OutputCrs:
    """Look up a CRS URI (also accepts the safe-CURIE form ``[EPSG:6677]``)."""
    text = uri.strip()
    if text.startswith("[") and text.endswith("]"):
        authority, _, code = text[1:-1].partition(":")
        text = CRS84_URI if text == "[OGC:CRS84]" else EPSG_URI.format(code=code)
        if authority.upper() not in ("EPSG", "OGC"):
            raise UnknownCrs(uri)
    try:
        return supported()[text]
    except KeyError:
        raise UnknownCrs(uri) from None


@lru_cache(maxsize=32)
def _to_storage(srid: int) -> Transformer:
    return Transformer.from_crs(srid, STORAGE_SRID, always_xy=True)


def bbox_to_storage(bbox: tuple[float, float, float, float], crs: OutputCrs) -> tuple[float, ...]:
    """A bbox given in ``crs`` (in its axis order) as lon/lat bounds in EPSG:4326."""
    if crs.north_first:
        bbox = (bbox[1], bbox[0], bbox[3], bbox[2])
    if crs.srid == STORAGE_SRID:
        return bbox
    return _to_storage(crs.srid).transform_bounds(*bbox, densify_pts=21)


def geodesic_length_m(coordinates: list[tuple[float, float]]) -> float:
    """Length on the GRS80 ellipsoid (JGD2011's) of a lon/lat line: the reference for tests."""
    lons, lats = zip(*coordinates, strict=True)
    return GRS80.line_length(lons, lats)
