"""Reading the files planners upload — GeoJSON, GeoPackage, zipped Shapefile (UTF-8 or
cp932 attributes) and CSV with lon/lat columns — into one GeoDataFrame in EPSG:4326, with every
row that cannot be stored rejected with its number and reason (never silently dropped).

Messages are for the planner who sent the file: they name what to fix and never carry the
server's paths or GDAL's own words (those go to the log).
"""

from __future__ import annotations

import codecs
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry.base import BaseGeometry

from gis_core.validation import FeatureInvalid, SourceCrs, checked_geometry, conform

MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
LON_NAMES = ("lon", "lng", "long", "longitude", "経度", "x")
LAT_NAMES = ("lat", "latitude", "緯度", "y")
FORMATS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile"}
READ_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
               pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
               pyogrio.errors.FeatureError, pyogrio.errors.CRSError, RuntimeError, ValueError)
UNPACK_ERRORS = (OSError, RuntimeError, NotImplementedError, EOFError, zipfile.BadZipFile)
log = logging.getLogger(__name__)


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; ``parameter`` names what to fix."""

    def __init__(self, message: str, parameter: str = "file") -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass
class Rejected:
    row: int  # 1-based, as a person counts the features (or lines after the CSV header)
    reason: str
    parameter: str = "file"  # the input to fix: the file, or ``crs`` when it looks mistaken


@dataclass
class Reading:
    frame: gpd.GeoDataFrame
    source: SourceCrs


def _crs(text: str | None) -> CRS | None:
    if not text:
        return None
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise UnreadableFile(f"unknown CRS {text!r}", "crs") from None


def _encoding(name: str | None) -> str | None:
    """A text encoding Python knows, or UnreadableFile naming ``encoding``."""
    if not name:
        return None
    try:
        known = codecs.lookup(name)
    except LookupError:
        known = None
    if known is None or not known._is_text_encoding:  # rot13, base64…: codecs, not encodings
        raise UnreadableFile(f"unknown text encoding {name!r}: send UTF-8 or cp932 (Shift_JIS)",
                             "encoding")
    return name


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
        if shapes[0][:-4].lower() + ".shx" not in {n.lower() for n in names}:
            raise UnreadableFile("the archive has the .shp without its .shx: zip them together")
        try:
            archive.extractall(folder)
        except UNPACK_ERRORS as error:
            log.info("cannot unpack an uploaded archive: %r", error)
            raise UnreadableFile("the archive cannot be unpacked (damaged, encrypted or of an "
                                 "unknown compression)") from None
    return folder / shapes[0]


def _read_vector(path: Path, encoding: str | None) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(path, encoding=encoding)
    except UnicodeError:
        raise UnreadableFile("attributes are not in that encoding", "encoding") from None
    except READ_ERRORS as error:
        log.info("cannot read an uploaded %s: %s", path.suffix, error)
        raise UnreadableFile(_unreadable(path, str(error))) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise UnreadableFile(f"the {FORMATS[path.suffix.lower()]} has no geometry column")
    return frame


def _unreadable(path: Path, error: str) -> str:
    """GDAL's complaint as a reason a person can act on, without the server's paths."""
    message = f"the file is not a readable {FORMATS[path.suffix.lower()]}"
    syntax = re.search(r"JSON parsing error.*at offset (\d+)", error)
    if syntax:
        return f"{message}: the JSON is broken at byte {syntax[1]}"
    if "malformed" in error or "not a database" in error:
        return f"{message}: it is damaged or cut short"
    return message


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
        except UnicodeError:
            continue
        except pd.errors.EmptyDataError:
            raise UnreadableFile("the CSV is empty") from None
        except pd.errors.ParserError as error:
            line = re.search(r"line (\d+)", str(error))
            raise UnreadableFile("the CSV is malformed"
                                 + (f" at line {line[1]}" if line else "")) from None
    if frame is None:
        raise UnreadableFile(f"the CSV is not in {encoding}" if encoding else
                             "the CSV is neither UTF-8 nor Shift_JIS (cp932)", "encoding")
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
                encoding: str | None = None) -> Reading:
    """The file's features and attributes, in the file's own CRS (or ``crs``)."""
    suffix = path.suffix.lower()
    given, encoding = _crs(crs), _encoding(encoding)
    if suffix == ".zip":
        frame = _read_shapefile(path, work, encoding)
    elif suffix == ".csv":
        frame = _read_csv(path, encoding).set_crs(CRS.from_epsg(4326))
    elif suffix in (".geojson", ".json", ".gpkg"):
        frame = _read_vector(path, encoding)
    else:
        raise UnreadableFile("send GeoJSON, GeoPackage, a zipped Shapefile or CSV")
    if given is not None:
        frame = frame.set_crs(given, allow_override=True)
    if frame.crs is None:
        raise UnreadableFile("the file says nothing of its CRS: give one (e.g. EPSG:6677)",
                             "crs")
    if frame.empty:
        raise UnreadableFile("the file has no features")
    declared = ("the crs field declares" if given else
                "a CSV without crs is read as" if suffix == ".csv" else "the file declares")
    return Reading(frame, _source(frame.crs, declared))


def _source(crs: CRS, declared: str) -> SourceCrs:
    source = SourceCrs(crs, declared, "crs")
    try:
        _ = source.transformer  # made now: a CRS that PROJ cannot convert is the file's fault
    except (ProjError, CRSError):
        raise UnreadableFile(f"{declared} {source.name}, which cannot be converted to "
                             "longitude/latitude: give the CRS (e.g. EPSG:6677)", "crs") from None
    return source


def check_rows(reading: Reading, wanted: str, extent: tuple[float, float, float, float]
               ) -> tuple[dict[int, BaseGeometry], list[Rejected]]:
    """By row position, the geometries that can be stored — in lon/lat, of the layer's type —
    checked as edits are (validation.checked_geometry); the other rows with their reasons."""
    kept: dict[int, BaseGeometry] = {}
    rejected = []
    for position, geometry in enumerate(reading.frame.geometry):
        if geometry is None or geometry.is_empty:
            rejected.append(Rejected(position + 1, "no geometry"))
            continue
        try:
            kept[position] = conform(checked_geometry(geometry, reading.source, extent), wanted)
        except FeatureInvalid as error:
            rejected.append(Rejected(position + 1, str(error),
                                     "crs" if error.member == "crs" else "file"))
    return kept, rejected


def field_name(raw: str, taken: set[str]) -> str:
    """An ASCII column name for a file's attribute (Japanese names become f1, f2…)."""
    name = re.sub(r"[^a-z0-9_]+", "_", str(raw).strip().lower()).strip("_")
    if not re.match(r"^[a-z][a-z0-9_]{1,39}$", name) or name in taken | {
            "id", "geom", "geom_3857", "updated_at", "feature_version"}:
        name = f"f{len(taken) + 1}"
    taken.add(name)
    return name
