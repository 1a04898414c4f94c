"""SQL shared by the migrations of every domain: how a layer table gets its geometry columns,
its spatial indexes and the trigger that bumps the layer's version (which invalidates tiles)."""

from __future__ import annotations

CORE_SQL = """
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE OR REPLACE FUNCTION citygis_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END $fn$;
CREATE TABLE IF NOT EXISTS layer_version (
    layer_id   text PRIMARY KEY,
    version    bigint NOT NULL DEFAULT 1,
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS dataset (
    layer_id     text PRIMARY KEY,
    source_ja    text NOT NULL,
    source_en    text NOT NULL,
    license      text NOT NULL,
    attribution  text NOT NULL,
    is_sample    boolean NOT NULL,
    fingerprint  text NOT NULL,
    feature_count integer NOT NULL,
    loaded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION citygis_bump_layer_version() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    layer text;
    new_version bigint;
BEGIN
    FOREACH layer IN ARRAY TG_ARGV LOOP
        INSERT INTO layer_version AS v (layer_id) VALUES (layer)
        ON CONFLICT (layer_id)
        DO UPDATE SET version = v.version + 1, changed_at = now()
        RETURNING version INTO new_version;
        PERFORM pg_notify('citygis_layer_changed', layer || ':' || new_version);
    END LOOP;
    RETURN NULL;
END $$;
"""

LAYER_CHANGED_CHANNEL = "citygis_layer_changed"



def layer_geometry_sql(table: str, geometry_type: str, layer_ids: list[str]) -> str:
    """Geometry in EPSG:4326 (storage), a generated EPSG:3857 copy for tiles, GiST indexes on
    both, ``updated_at`` (the features' time for ``datetime`` queries), and a statement trigger
    that bumps the version of every layer served from ``table``."""
    layers = ", ".join(f"'{layer}'" for layer in layer_ids)
    return f"""
ALTER TABLE {table} ADD COLUMN geom geometry({geometry_type}, 4326) NOT NULL;
ALTER TABLE {table} ADD COLUMN geom_3857 geometry({geometry_type}, 3857)
    GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED;
CREATE INDEX {table}_geom_idx ON {table} USING gist (geom);
CREATE INDEX {table}_geom_3857_idx ON {table} USING gist (geom_3857);
ALTER TABLE {table} ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX {table}_updated_at_idx ON {table} (updated_at);
CREATE TRIGGER {table}_touch BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION citygis_touch_updated_at();
CREATE TRIGGER {table}_layer_version
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION citygis_bump_layer_version({layers});
INSERT INTO layer_version (layer_id) SELECT unnest(ARRAY[{layers}]) ON CONFLICT DO NOTHING;
"""


def history_trigger_sql(table: str, layer_id: str) -> str:
    """Attach ``citygis_feature_history`` (migration 0006) to a layer table: a row trigger that
    keeps every version of every feature, and a TRUNCATE trigger that closes the open ones."""
    return f"""
CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION citygis_feature_history('{layer_id}');
CREATE TRIGGER {table}_history_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION citygis_feature_history('{layer_id}');
"""
