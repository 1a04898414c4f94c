"""Base layers of the city: boundary, 町丁目 (points and areas with population), roads, rivers,
water areas.

Revision ID: 0002_base
Revises: 0001_core
"""

from alembic import op

from gis_core.schema import layer_geometry_sql

revision = "0002_base"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE city_boundary (
    id serial PRIMARY KEY,
    code text NOT NULL UNIQUE,
    pref text NOT NULL,
    name text NOT NULL
);
CREATE TABLE chome (
    id serial PRIMARY KEY,
    name text NOT NULL,
    name_kana text,
    city text NOT NULL,
    pref text NOT NULL,
    UNIQUE (city, name)
);
CREATE TABLE chome_area (
    id serial PRIMARY KEY,
    name text NOT NULL,
    key_code text,
    approximate boolean NOT NULL,
    population integer,
    households integer,
    population_is_estimate boolean,
    census_year integer
);
CREATE TABLE road (
    id bigserial PRIMARY KEY,
    name text,
    kind text NOT NULL,
    osm_id bigint,
    is_sample boolean NOT NULL
);
CREATE TABLE river (
    id serial PRIMARY KEY,
    name text,
    kind text NOT NULL,
    is_sample boolean NOT NULL
);
CREATE TABLE water_area (
    id serial PRIMARY KEY,
    name text,
    kind text NOT NULL,
    is_sample boolean NOT NULL
);
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(layer_geometry_sql("city_boundary", "MultiPolygon", ["city_boundary"]))
    op.execute(layer_geometry_sql("chome", "Point", ["chome"]))
    op.execute(layer_geometry_sql("chome_area", "MultiPolygon", ["chome_areas"]))
    op.execute(layer_geometry_sql("road", "LineString", ["roads"]))
    op.execute(layer_geometry_sql("river", "MultiLineString", ["rivers"]))
    op.execute(layer_geometry_sql("water_area", "MultiPolygon", ["water_areas"]))
    op.execute("CREATE INDEX road_kind_idx ON road (kind)")


def downgrade() -> None:
    op.execute("DROP TABLE water_area, river, road, chome_area, chome, city_boundary")
    op.execute(
        "DELETE FROM layer_version WHERE layer_id IN "
        "('city_boundary','chome','chome_areas','roads','rivers','water_areas')"
    )
