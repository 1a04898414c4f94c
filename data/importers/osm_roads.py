"""OpenStreetMap roads → ``road``, from an ``.osm.pbf`` extract (osmium) or an OSM-style GeoJSON
(Overpass turbo / osmtogeojson export: properties ``highway``, ``name``, ``@id`` or ``id``).

Kept: the ``highway=*`` ways a city map and routing need (``ROAD_KINDS``); ``kind`` is the
normalised highway value. Skipped: other highway values (proposed, construction, platform...),
highway areas (``area=yes`` or polygons), highway nodes, and everything without ``highway``.
With a city code, only ways crossing the city's bounding box (from ``city_boundary``) are kept.
OSM coordinates are WGS84 (EPSG:4326); a GeoJSON without a CRS is read as such (RFC 7946).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import osmium
import psycopg
import shapely

from data.importers.base import (
    ImportFailed,
    ImportReport,
    Rejections,
    city_boundary,
    clean_text,
    features,
    read_vector,
    records_frame,
    require_geometry,
    table_columns,
    write_layer,
)
from data.store import Provenance, fingerprint
from layers.base.models import road

WGS84 = "EPSG:4326"
BBOX_MARGIN_DEG = 0.002  # ~200 m around the city, so border streets stay whole

ROAD_KINDS = frozenset({
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
    "living_street", "service", "pedestrian", "road", "track",
    "footway", "path", "cycleway", "steps", "bridleway",
})

OSM = Provenance(
    layer_id="roads",
    source_ja="OpenStreetMap（道路）",
    source_en="OpenStreetMap (roads)",
    license="ODbL 1.0 (Open Database License)",
    attribution="© OpenStreetMap contributors",
    is_sample=False,
)


@dataclass(frozen=True)
class RoadWay:
    osm_id: int | None
    name: str | None
    kind: str
    line: shapely.LineString


def normalize_kind(value: object) -> str | None:
    """The highway value as a road kind, or None when it is not a road we keep."""
    text = clean_text(value)
    if text is None:
        return None
    kind = re.sub(r"\s+", "_", text.lower())
    return kind if kind in ROAD_KINDS else None


def _bbox(conn: psycopg.Connection, city_code: str | None) -> shapely.Polygon | None:
    if not city_code:
        return None
    _, boundary = city_boundary(conn, city_code)
    minx, miny, maxx, maxy = boundary.bounds
    m = BBOX_MARGIN_DEG
    return shapely.box(minx - m, miny - m, maxx + m, maxy + m)


# --- .osm.pbf ---------------------------------------------------------------------------------


def _pbf_ways(path: Path) -> Iterator[osmium.osm.Way]:
    processor = (osmium.FileProcessor(str(path))
                 .with_locations()
                 .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                 .with_filter(osmium.filter.KeyFilter("highway")))
    try:
        yield from processor
    except RuntimeError as error:
        raise ImportFailed(f"{path.name}: cannot read the OSM file ({error})") from error


def _way_line(way: osmium.osm.Way) -> shapely.LineString:
    coordinates = [(n.lon, n.lat) for n in way.nodes if n.location.valid()]
    if len(coordinates) < len(way.nodes):
        raise ValueError(f"way {way.id}: {len(way.nodes) - len(coordinates)} node(s) "
                         "missing from the extract")
    if len(coordinates) < 2:
        raise ValueError(f"way {way.id}: fewer than two nodes")
    return shapely.LineString(coordinates)


def read_pbf(path: Path) -> tuple[list[RoadWay], Rejections, int]:
    roads, rejections, skipped = [], Rejections(), 0
    for number, way in enumerate(_pbf_ways(path), start=1):
        kind = normalize_kind(way.tags.get("highway"))
        if kind is None or way.tags.get("area") == "yes":
            skipped += 1
            continue
        try:
            line = _way_line(way)
        except ValueError as error:
            rejections.add(number, str(error))
            continue
        name = way.tags.get("name") or way.tags.get("name:ja")
        roads.append(RoadWay(way.id, name, kind, line))
    return roads, rejections, skipped


# --- GeoJSON ----------------------------------------------------------------------------------


def parse_osm_id(value: object) -> int | None:
    """``way/123``, ``w123`` or ``123`` → 123; node and relation ids → None."""
    text = clean_text(value)
    if text is None:
        return None
    match = re.fullmatch(r"(?:way/|w)?(\d+)(?:\.0)?", text)
    return int(match.group(1)) if match else None


def _lines(geometry: shapely.Geometry | None) -> list[shapely.LineString]:
    if geometry is None or geometry.is_empty:
        raise ValueError("no geometry")
    parts = list(getattr(geometry, "geoms", [geometry]))
    lines = [p for p in parts if p.geom_type == "LineString" and len(p.coords) >= 2]
    if len(lines) < len(parts):
        raise ValueError("a line part has fewer than two points")
    return lines


def read_geojson(path: Path) -> tuple[list[RoadWay], Rejections, int]:
    frame = read_vector(path, default_crs=WGS84)
    if "highway" not in frame.columns:
        raise ImportFailed(f"{path.name}: missing column highway (not an OSM roads export?)")
    require_geometry(frame, path, {"LineString", "MultiLineString"})
    id_column = next((c for c in ("@id", "id", "osm_id") if c in frame.columns), None)
    roads, rejections, skipped = [], Rejections(), 0
    for number, row, geometry in features(frame):
        kind = normalize_kind(row["highway"])
        if kind is None or (geometry is not None and geometry.geom_type not in
                            ("LineString", "MultiLineString")):
            skipped += 1
            continue
        try:
            lines = _lines(geometry)
        except ValueError as error:
            rejections.add(number, str(error))
            continue
        osm_id = parse_osm_id(row[id_column]) if id_column else None
        name = clean_text(row["name"]) if "name" in frame.columns else None
        roads.extend(RoadWay(osm_id, name, kind, line) for line in lines)
    return roads, rejections, skipped


# --- the importer -----------------------------------------------------------------------------


def _is_pbf(path: Path) -> bool:
    return path.name.lower().endswith((".pbf", ".osm", ".o5m", ".osm.bz2", ".osm.gz"))


def import_osm_roads(
    conn: psycopg.Connection, path: Path, *, city_code: str | None = None
) -> ImportReport:
    """Import OSM roads from a PBF extract or a GeoJSON export into ``road``."""
    if not path.exists():
        raise ImportFailed(f"{path}: no such file")
    roads, rejections, skipped = read_pbf(path) if _is_pbf(path) else read_geojson(path)
    bbox = _bbox(conn, city_code)
    if bbox is not None:
        inside = [r for r in roads if r.line.intersects(bbox)]
        skipped, roads = skipped + len(roads) - len(inside), inside
    if not roads:
        raise ImportFailed(f"{path.name}: no road ways to import")
    frame = records_frame(
        [{"name": r.name, "kind": r.kind, "osm_id": r.osm_id, "is_sample": False} for r in roads],
        [r.line for r in roads], WGS84,
    )
    count = write_layer(conn, "road", frame, table_columns(road), OSM,
                        fingerprint(path, "osm-roads-1", city_code or ""))
    return ImportReport(OSM.layer_id, count, rejections.rows, skipped)
