"""Tables of the disaster domain (see migrations 0003 in gis_core/migrations/versions, 0004,
0009 and 0010 in layers/disaster/migrations)."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    Numeric,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import INET, JSONB

from gis_core.models import geometry_columns, metadata

HAZARD_FLAGS = (
    "flood", "landslide", "storm_surge", "earthquake", "tsunami", "large_fire",
    "inland_flood", "volcano",
)
SHELTER_STATUSES = ("open", "full", "closed")
ACCESSIBILITY = ("step_free", "partial", "none", "unknown")
# Columns officers change while a disaster is under way: loads and imports never write them.
OPERATIONAL = {"operational": True}

shelter = Table(
    "shelter", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("address", Text),
    Column("gsi_id", Text),
    Column("is_designated_shelter", Boolean, nullable=False),
    Column("is_emergency_site", Boolean, nullable=False),
    *(Column(flag, Boolean, nullable=False, server_default="false") for flag in HAZARD_FLAGS),
    Column("capacity", Integer),
    Column("is_sample", Boolean, nullable=False),
    Column("status", Text, nullable=False, server_default="open", info=OPERATIONAL),
    Column("occupancy", Integer, nullable=False, server_default="0", info=OPERATIONAL),
    Column("accessibility", Text, nullable=False, server_default="unknown", info=OPERATIONAL),
    Column("status_updated_at", DateTime(timezone=True), info=OPERATIONAL),
    Column("updated_by", Text, info=OPERATIONAL),
    *geometry_columns("POINT"),
)

flood_zone = Table(
    "flood_zone", metadata,
    Column("id", Integer, primary_key=True),
    Column("depth_rank", Text, nullable=False),
    Column("depth_min_m", Numeric),
    Column("depth_max_m", Numeric),
    Column("label_ja", Text, nullable=False),
    Column("river_name", Text),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("MULTIPOLYGON"),
)

landslide_zone = Table(
    "landslide_zone", metadata,
    Column("id", Integer, primary_key=True),
    Column("zone_kind", Text, nullable=False),
    Column("phenomenon", Text, nullable=False),
    Column("label_ja", Text, nullable=False),
    Column("place_name", Text),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("MULTIPOLYGON"),
)

hazard_raster = Table(
    "hazard_raster", metadata,
    Column("id", Text, primary_key=True),
    Column("path", Text, nullable=False),
    Column("quantity", Text, nullable=False),
    Column("title_ja", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("units", Text, nullable=False),
    Column("legend", JSONB, nullable=False),
    Column("source_ja", Text, nullable=False),
    Column("source_en", Text, nullable=False),
    Column("license", Text, nullable=False),
    Column("attribution", Text, nullable=False),
    Column("is_sample", Boolean, nullable=False),
    Column("crs", Text, nullable=False),
    Column("bounds", Geometry("POLYGON", srid=4326, spatial_index=False), nullable=False),
    Column("fingerprint", Text, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

road_edge = Table(
    "road_edge", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Integer, nullable=False),
    Column("target", Integer, nullable=False),
    Column("length_m", Float, nullable=False),
    Column("cost_s", Float, nullable=False),
    Column("max_depth_m", Float, nullable=False),
    Column("geom", Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False),
    Column("blocked", Boolean, nullable=False, server_default="false"),
)

crowd_report = Table(
    "crowd_report", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("category", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("photo", Text),
    Column("status", Text, nullable=False),
    Column("duplicate_of", BigInteger),
    Column("reporter_id", BigInteger),
    Column("reporter_ip", INET),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("triaged_by", Text),
    Column("triaged_at", DateTime(timezone=True)),
    *geometry_columns("POINT"),
)
