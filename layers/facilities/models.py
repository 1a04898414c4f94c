"""Tables of the facilities domain (see migration 0003)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, Table, Text

from gis_core.models import geometry_columns, metadata

facility = Table(
    "facility", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_kana", Text),
    Column("kind", Text, nullable=False),
    Column("category_ja", Text, nullable=False),
    Column("address", Text),
    Column("source_code", Text),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("POINT"),
)
