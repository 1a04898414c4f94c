"""Reading the files planners upload — GeoJSON, GeoPackage, zipped Shapefile (UTF-8 or
cp932 attributes) and CSV with lon/lat columns — into one GeoDataFrame in EPSG:4326, with every
row that cannot be stored rejected with its number and reason (never silently dropped).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
LON_NAMES = ("lon", "lng", "long", "longitude", "経度", "x")
LAT_NAMES = ("lat", "latitude", "緯度", "y")
MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; ``parameter`` names what to fix."""

    def __init__(self, message: str, parameter: str = "file") -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Rejected:
    row: int  # 1-based, as a person counts the features (or lines after the CSV header)
    reason: str


@dataclass
class Reading:
    frame: gpd.GeoDataFrame
    source_crs: str
    rejected: list[Rejected] = field(default_factory=list)


def _crs(text: str | None) -> CRS | None:
    if not text:
        return None
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise UnreadableFile(f"unknown CRS {text!r}", "crs") from None


def _shapefile_in(path: Path, folder: Path) -> Path:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableFile("the .zip file is damaged or not a zip archive") from None
    with archive:
        names = archive.namelist()
        if any(name.startswith("/") or ".." in Path(name).parts for name in names):
            raise UnreadableFile("the archive has paths outside itself")
        if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise UnreadableFile("the archive unpacks to more than 1 GB")
        shapes = [n for n in names if n.lower().endswith(".shp")]
        if len(shapes) != 1:
            raise UnreadableFile("the archive must hold exactly one .shp (with .dbf, .shx, .prj)")
        archive.extractall(folder)
    return folder / shapes[0]


def _read_vector(path: Path, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        return pyogrio.read_dataframe(path, encoding=encoding)
    except UnicodeDecodeError:
        raise UnreadableFile("attributes are not in that encoding", "encoding") from None
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError) as error:
        raise UnreadableFile(f"not a readable GIS file: {error}") from None


def _has_mojibake(frame: pd.DataFrame) -> bool:
    text = frame.select_dtypes(include="object").astype(str)
    return bool(text.apply(lambda col: col.str.contains("\ufffd", regex=False)).any().any())


def _read_shapefile(path: Path, folder: Path, encoding: str | None) -> gpd.GeoDataFrame:
    shp = _shapefile_in(path, folder)
    if encoding or shp.with_suffix(".cpg").exists() or shp.with_suffix(".CPG").exists():
        return _read_vector(shp, encoding)
    try:  # no .cpg: Japanese files without one are usually Shift_JIS (cp932)
        frame = _read_vector(shp, "utf-8")
        if not _has_mojibake(frame):
            return frame
    except UnreadableFile:
        pass
    return _read_vector(shp, "cp932")


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    return next((lowered[n] for n in names if n in lowered), None)


def _read_csv(path: Path, encoding: str | None) -> gpd.GeoDataFrame:
    frame = None
    for candidate in ([encoding] if encoding else ["utf-8-sig", "cp932"]):
        try:
            frame = pd.read_csv(path, encoding=candidate, dtype=str, keep_default_na=False)
            break
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise UnreadableFile(f"not a readable CSV: {error}") from None
    if frame is None:
        raise UnreadableFile("the CSV is neither UTF-8 nor Shift_JIS (cp932)", "encoding")
    lon, lat = _column(frame, LON_NAMES), _column(frame, LAT_NAMES)
    if lon is None or lat is None:
        raise UnreadableFile("the CSV needs longitude and latitude columns "
                             "(lon/lat, 経度/緯度 or x/y)")
    x = pd.to_numeric(frame[lon], errors="coerce")
    y = pd.to_numeric(frame[lat], errors="coerce")
    geometry = [shapely.Point(a, b) if pd.notna(a) and pd.notna(b) else None
                for a, b in zip(x, y, strict=True)]
    return gpd.GeoDataFrame(frame.drop(columns=[lon, lat]), geometry=geometry)


def read_upload(path: Path, work: Path, *, crs: str | None = None,
                encoding: str | None = None) -> gpd.GeoDataFrame:
    """The file's features and attributes, in the file's own CRS (or ``crs``)."""
    suffix = path.suffix.lower()
    if suffix == ".zip":
        frame = _read_shapefile(path, work, encoding)
    elif suffix == ".csv":
        frame = _read_csv(path, encoding)
        frame = frame.set_crs(_crs(crs) or CRS.from_epsg(4326), allow_override=True)
        return frame
    elif suffix in (".geojson", ".json", ".gpkg"):
        frame = _read_vector(path, encoding)
    else:
        raise UnreadableFile("send GeoJSON, GeoPackage, a zipped Shapefile or CSV")
    given = _crs(crs)
    if given is not None:
        frame = frame.set_crs(given, allow_override=True)
    if frame.crs is None:
        raise UnreadableFile("the file says nothing of its CRS: give one (e.g. EPSG:6677)",
                             "crs")
    return frame


def _row_problem(geometry: shapely.Geometry | None, wanted: str) -> str | None:
    if geometry is None or geometry.is_empty:
        return "no geometry"
    if not shapely.is_valid(geometry):
        return f"invalid geometry: {shapely.is_valid_reason(geometry)}"
    if geometry.geom_type not in (wanted, {v: k for k, v in MULTI.items()}.get(wanted)):
        return f"a {geometry.geom_type} where the layer holds {wanted}"
    return None


def check_rows(frame: gpd.GeoDataFrame, wanted: str) -> tuple[gpd.GeoDataFrame, list[Rejected]]:
    """Rows whose geometry can be stored (single parts promoted for Multi* layers), and the
    rest with their reasons."""
    problems = [_row_problem(g, wanted) for g in frame.geometry]
    rejected = [Rejected(i + 1, p) for i, p in enumerate(problems) if p]
    kept = frame[[p is None for p in problems]].copy()
    if wanted in MULTI.values():
        kept.geometry = [g if g.geom_type == wanted else getattr(shapely, wanted)([g])
                         for g in kept.geometry]
    return kept, rejected


def to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reprojected to EPSG:4326 with PROJ (datum shifts included, e.g. Tokyo → JGD2011)."""
    return frame.to_crs(4326)


def field_name(raw: str, taken: set[str]) -> str:
    """An ASCII column name for a file's attribute (Japanese names become f1, f2…)."""
    name = re.sub(r"[^a-z0-9_]+", "_", str(raw).strip().lower()).strip("_")
    if not re.match(r"^[a-z][a-z0-9_]{1,39}$", name) or name in taken | {
            "id", "geom", "geom_3857", "updated_at", "feature_version"}:
        name = f"f{len(taken) + 1}"
    taken.add(name)
    return name
