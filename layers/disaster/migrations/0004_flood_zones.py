"""Flood inundation zones (disaster domain): 洪水浸水想定区域 by depth rank.

Revision ID: 0004_flood_zones
Revises: 0003_facilities_shelters
"""

from alembic import op

from gis_core.schema import layer_geometry_sql

revision = "0004_flood_zones"
down_revision = "0003_facilities_shelters"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE flood_zone (
    id serial PRIMARY KEY,
    depth_rank text NOT NULL,
    depth_min_m numeric,
    depth_max_m numeric,
    label_ja text NOT NULL,
    river_name text,
    is_sample boolean NOT NULL,
    CHECK (depth_max_m IS NULL OR depth_min_m IS NULL OR depth_max_m > depth_min_m)
);
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(layer_geometry_sql("flood_zone", "MultiPolygon", ["flood_zones"]))
    op.execute("CREATE INDEX flood_zone_depth_rank_idx ON flood_zone (depth_rank)")


def downgrade() -> None:
    op.execute("DROP TABLE flood_zone")
    op.execute("DELETE FROM layer_version WHERE layer_id = 'flood_zones'")
