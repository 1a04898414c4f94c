"""Tables of the disaster domain (see migration 0003)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, Numeric, Table, Text

from gis_core.models import geometry_columns, metadata

HAZARD_FLAGS = (
    "flood", "landslide", "storm_surge", "earthquake", "tsunami", "large_fire",
    "inland_flood", "volcano",
)

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
