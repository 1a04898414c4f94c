"""Tables of the base layers (see migration 0002_base)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, Table, Text

from gis_core.models import geometry_columns, metadata

city_boundary = Table(
    "city_boundary", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", Text, nullable=False),
    Column("pref", Text, nullable=False),
    Column("name", Text, nullable=False),
    *geometry_columns("MULTIPOLYGON"),
)

chome = Table(
    "chome", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_kana", Text),
    Column("city", Text, nullable=False),
    Column("pref", Text, nullable=False),
    *geometry_columns("POINT"),
)

chome_area = Table(
    "chome_area", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("key_code", Text),
    Column("approximate", Boolean, nullable=False),
    Column("population", Integer),
    Column("households", Integer),
    Column("population_is_estimate", Boolean),
    Column("census_year", Integer),
    *geometry_columns("MULTIPOLYGON"),
)

road = Table(
    "road", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", Text),
    Column("kind", Text, nullable=False),
    Column("osm_id", BigInteger),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("LINESTRING"),
)

river = Table(
    "river", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
    Column("kind", Text, nullable=False),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("MULTILINESTRING"),
)

water_area = Table(
    "water_area", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
    Column("kind", Text, nullable=False),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("MULTIPOLYGON"),
)
