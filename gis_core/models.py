"""The SQLAlchemy metadata every domain's tables join, and the columns every layer table has."""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import Column, Computed, DateTime, MetaData, func

metadata = MetaData()


def geometry_columns(geometry_type: str) -> list[Column]:
    """``geom`` in EPSG:4326, its generated EPSG:3857 copy and ``updated_at``, which every
    layer table has (see gis_core.schema)."""
    return [
        Column("geom", Geometry(geometry_type, srid=4326, spatial_index=False), nullable=False),
        Column(
            "geom_3857",
            Geometry(geometry_type, srid=3857, spatial_index=False),
            Computed("ST_Transform(geom, 3857)"),
        ),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ]
