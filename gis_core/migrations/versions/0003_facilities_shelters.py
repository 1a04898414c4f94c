"""Public facilities (facilities domain) and shelters (disaster domain).

Revision ID: 0003_facilities_shelters
Revises: 0002_base
"""

from alembic import op

from gis_core.schema import layer_geometry_sql

revision = "0003_facilities_shelters"
down_revision = "0002_base"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE facility (
    id serial PRIMARY KEY,
    name text NOT NULL,
    name_kana text,
    kind text NOT NULL,
    category_ja text NOT NULL,
    address text,
    source_code text,
    is_sample boolean NOT NULL
);
CREATE TABLE shelter (
    id serial PRIMARY KEY,
    name text NOT NULL,
    address text,
    gsi_id text,
    is_designated_shelter boolean NOT NULL,
    is_emergency_site boolean NOT NULL,
    flood boolean NOT NULL DEFAULT false,
    landslide boolean NOT NULL DEFAULT false,
    storm_surge boolean NOT NULL DEFAULT false,
    earthquake boolean NOT NULL DEFAULT false,
    tsunami boolean NOT NULL DEFAULT false,
    large_fire boolean NOT NULL DEFAULT false,
    inland_flood boolean NOT NULL DEFAULT false,
    volcano boolean NOT NULL DEFAULT false,
    capacity integer,
    is_sample boolean NOT NULL
);
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(layer_geometry_sql("facility", "Point", ["facilities"]))
    op.execute(layer_geometry_sql("shelter", "Point", ["shelters"]))
    op.execute("CREATE INDEX facility_kind_idx ON facility (kind)")


def downgrade() -> None:
    op.execute("DROP TABLE shelter, facility")
    op.execute("DELETE FROM layer_version WHERE layer_id IN ('facilities','shelters')")
