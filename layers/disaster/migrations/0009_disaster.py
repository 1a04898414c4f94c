"""Disaster plan: shelter status and occupancy, hazard rasters, 土砂災害警戒区域, the walking graph.

- ``shelter`` gains ``status`` (open / full / closed), ``occupancy``, ``accessibility`` and who
  changed them last; a row trigger notifies ``citygis_shelter_status`` so every server worker can
  push the change to open maps (the statement trigger of 0003 already bumps the layer version,
  which invalidates cached tiles).
- ``hazard_raster`` registers raster files (a Cloud-Optimized GeoTIFF per hazard) with their
  legend and provenance; a change bumps ``layer_version`` under ``raster:<id>``.
- ``landslide_zone``: 土砂災害警戒区域・特別警戒区域 (国土数値情報 A33).
- ``road_vertex`` / ``road_edge``: the pgRouting topology built from the roads at load time,
  with walking costs in seconds and the deepest hazard water on each edge.

Revision ID: 0009_disaster
Revises: 0008_bookings
"""

from alembic import op

from gis_core.schema import layer_geometry_sql

revision = "0009_disaster"
down_revision = "0008_bookings"
branch_labels = None
depends_on = None

SHELTER = """
ALTER TABLE shelter
    ADD COLUMN status text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'full', 'closed')),
    ADD COLUMN occupancy integer NOT NULL DEFAULT 0 CHECK (occupancy >= 0),
    ADD COLUMN accessibility text NOT NULL DEFAULT 'unknown'
        CHECK (accessibility IN ('step_free', 'partial', 'none', 'unknown')),
    ADD COLUMN status_updated_at timestamptz,
    ADD COLUMN updated_by text;
CREATE INDEX shelter_status_idx ON shelter (status);
CREATE FUNCTION citygis_notify_shelter_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('citygis_shelter_status', json_build_object(
        'id', NEW.id, 'name', NEW.name, 'status', NEW.status, 'occupancy', NEW.occupancy,
        'capacity', NEW.capacity, 'accessibility', NEW.accessibility,
        'updated_at', NEW.updated_at, 'updated_by', NEW.updated_by)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER shelter_status_notify
    AFTER UPDATE OF status, occupancy, accessibility ON shelter
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.occupancy IS DISTINCT FROM NEW.occupancy
          OR OLD.accessibility IS DISTINCT FROM NEW.accessibility)
    EXECUTE FUNCTION citygis_notify_shelter_status();
"""

RASTERS = """
CREATE TABLE hazard_raster (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9_]{1,40}$'),
    path text NOT NULL,
    quantity text NOT NULL,
    title_ja text NOT NULL,
    title_en text NOT NULL,
    units text NOT NULL,
    legend jsonb NOT NULL,
    source_ja text NOT NULL,
    source_en text NOT NULL,
    license text NOT NULL,
    attribution text NOT NULL,
    is_sample boolean NOT NULL,
    crs text NOT NULL,
    bounds geometry(Polygon, 4326) NOT NULL,
    fingerprint text NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION citygis_bump_raster_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    layer text := 'raster:' || COALESCE(NEW.id, OLD.id);
    new_version bigint;
BEGIN
    INSERT INTO layer_version AS v (layer_id) VALUES (layer)
    ON CONFLICT (layer_id) DO UPDATE SET version = v.version + 1, changed_at = now()
    RETURNING version INTO new_version;
    PERFORM pg_notify('citygis_layer_changed', layer || ':' || new_version);
    RETURN NULL;
END $$;
CREATE TRIGGER hazard_raster_version AFTER INSERT OR UPDATE OR DELETE ON hazard_raster
    FOR EACH ROW EXECUTE FUNCTION citygis_bump_raster_version();
"""

LANDSLIDE = """
CREATE TABLE landslide_zone (
    id serial PRIMARY KEY,
    zone_kind text NOT NULL CHECK (zone_kind IN ('warning', 'special_warning')),
    phenomenon text NOT NULL CHECK (phenomenon IN ('steep_slope', 'debris_flow', 'landslide')),
    label_ja text NOT NULL,
    place_name text,
    is_sample boolean NOT NULL
);
"""

GRAPH = """
CREATE EXTENSION IF NOT EXISTS pgrouting;
CREATE TABLE road_vertex (
    id integer PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX road_vertex_geom_idx ON road_vertex USING gist (geom);
CREATE TABLE road_edge (
    id integer PRIMARY KEY,
    source integer NOT NULL,
    target integer NOT NULL,
    length_m double precision NOT NULL,
    cost_s double precision NOT NULL,
    max_depth_m real NOT NULL DEFAULT 0,
    geom geometry(LineString, 4326) NOT NULL
);
CREATE INDEX road_edge_geom_idx ON road_edge USING gist (geom);
CREATE TABLE derived_state (
    name text PRIMARY KEY,
    fingerprint text NOT NULL,
    built_at timestamptz NOT NULL DEFAULT now()
);
"""


def upgrade() -> None:
    op.execute(SHELTER)
    op.execute(RASTERS)
    op.execute(LANDSLIDE)
    op.execute(layer_geometry_sql("landslide_zone", "MultiPolygon", ["landslide_zones"]))
    op.execute(GRAPH)


def downgrade() -> None:
    op.execute("DROP TABLE derived_state, road_edge, road_vertex, landslide_zone, hazard_raster")
    op.execute("DROP FUNCTION citygis_bump_raster_version()")
    op.execute("DROP TRIGGER shelter_status_notify ON shelter")
    op.execute("DROP FUNCTION citygis_notify_shelter_status()")
    op.execute("ALTER TABLE shelter DROP COLUMN status, DROP COLUMN occupancy, "
               "DROP COLUMN accessibility, DROP COLUMN status_updated_at, DROP COLUMN updated_by")
    op.execute("DELETE FROM layer_version WHERE layer_id = 'landslide_zones' "
               "OR layer_id LIKE 'raster:%'")
