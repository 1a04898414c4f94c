"""Feature history: every version of every feature of the editable layers, who wrote it, when,
and which attributes it changed. One table for all layers and one trigger function that any
layer table (with columns id, geom, updated_at and any attributes) can use.

The actor is read from ``citygis.actor``, which writers set in their transaction
(``SELECT set_config('citygis.actor', $user, true)``); other writers (loaders, psql) are
recorded as ``db:<session user>``. Versions are numbered per feature from 1 and never reused:
a feature deleted and restored goes on counting, so a version identifies one state for good.

Revision ID: 0006_feature_history
Revises: 0005_identity_audit
"""

from alembic import op

from gis_core.schema import history_trigger_sql

revision = "0006_feature_history"
down_revision = "0005_identity_audit"
branch_labels = None
depends_on = None

# table -> layer id, for every layer the catalog declares editable
EDITABLE_TABLES = {
    "facility": "facilities",
    "road": "roads",
    "river": "rivers",
    "water_area": "water_areas",
    "chome_area": "chome_areas",
    "shelter": "shelters",
    "flood_zone": "flood_zones",
}

SQL = r"""
CREATE TABLE feature_version (
    layer_id   text NOT NULL,
    feature_id bigint NOT NULL,
    version    integer NOT NULL CHECK (version > 0),
    op         text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    valid_from timestamptz NOT NULL,
    valid_to   timestamptz CHECK (valid_to >= valid_from),
    actor      text NOT NULL,
    changed    text[] NOT NULL DEFAULT '{}',
    properties jsonb NOT NULL,
    geom       geometry(Geometry, 4326),
    PRIMARY KEY (layer_id, feature_id, version)
);
COMMENT ON TABLE feature_version IS
    'Every version of every feature of the editable layers: [valid_from, valid_to) is when it '
    'was current; a delete is a version too (op = delete, with the last state).';
CREATE UNIQUE INDEX feature_version_open_idx ON feature_version (layer_id, feature_id)
    WHERE valid_to IS NULL;
CREATE INDEX feature_version_time_idx ON feature_version (layer_id, valid_from);

CREATE FUNCTION citygis_feature_history() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    layer text := TG_ARGV[0];
    actor text := coalesce(nullif(current_setting('citygis.actor', true), ''),
                           'db:' || session_user);
    at timestamptz := clock_timestamp();
    fid bigint;
    old_props jsonb;
    new_props jsonb;
    changed text[] := '{}';
    next_version integer;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE feature_version SET valid_to = greatest(at, valid_from)
         WHERE layer_id = layer AND valid_to IS NULL;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_props := to_jsonb(OLD) - 'geom' - 'geom_3857';
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_props := to_jsonb(NEW) - 'geom' - 'geom_3857';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.id IS DISTINCT FROM NEW.id THEN
        RAISE EXCEPTION 'the id of a feature of % never changes', layer;
    END IF;
    IF TG_OP = 'DELETE' THEN
        fid := OLD.id;
    ELSE
        fid := NEW.id;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO changed
          FROM jsonb_each(new_props) n
         WHERE n.key <> 'updated_at' AND n.value IS DISTINCT FROM old_props -> n.key;
        IF OLD.geom IS DISTINCT FROM NEW.geom THEN
            changed := changed || 'geometry'::text;
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') || 'geometry'::text INTO changed
          FROM jsonb_each(new_props) n
         WHERE n.key NOT IN ('id', 'updated_at') AND n.value <> 'null'::jsonb;
    END IF;
    UPDATE feature_version SET valid_to = greatest(at, valid_from)
     WHERE layer_id = layer AND feature_id = fid AND valid_to IS NULL;
    SELECT coalesce(max(version), 0) + 1 INTO next_version
      FROM feature_version WHERE layer_id = layer AND feature_id = fid;
    INSERT INTO feature_version (layer_id, feature_id, version, op, valid_from, actor, changed,
                                 properties, geom)
    VALUES (layer, fid, next_version, lower(TG_OP), at, actor, changed,
            coalesce(new_props, old_props),
            CASE WHEN TG_OP = 'DELETE' THEN OLD.geom ELSE NEW.geom END);
    RETURN NULL;
END $fn$;

CREATE FUNCTION citygis_feature_version_is_kept() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL
       AND (to_jsonb(NEW) - 'valid_to') = (to_jsonb(OLD) - 'valid_to') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'feature history is kept: a version can only be closed, never changed';
END $fn$;
CREATE TRIGGER feature_version_kept BEFORE UPDATE ON feature_version
    FOR EACH ROW EXECUTE FUNCTION citygis_feature_version_is_kept();
CREATE TRIGGER feature_version_kept_rows BEFORE DELETE OR TRUNCATE ON feature_version
    FOR EACH STATEMENT EXECUTE FUNCTION citygis_feature_version_is_kept();
"""


def backfill_sql(table: str, layer_id: str) -> str:
    """Version 1 of the features already there, as of their last update."""
    return f"""
INSERT INTO feature_version (layer_id, feature_id, version, op, valid_from, actor, changed,
                             properties, geom)
SELECT '{layer_id}', t.id, 1, 'insert', t.updated_at, 'migration', '{{}}',
       to_jsonb(t) - 'geom' - 'geom_3857', t.geom
  FROM {table} t;
"""


def upgrade() -> None:
    op.execute(SQL)
    for table, layer_id in EDITABLE_TABLES.items():
        op.execute(backfill_sql(table, layer_id))
        op.execute(history_trigger_sql(table, layer_id))


def downgrade() -> None:
    for table in EDITABLE_TABLES:
        op.execute(f"DROP TRIGGER {table}_history ON {table}")
        op.execute(f"DROP TRIGGER {table}_history_truncate ON {table}")
    op.execute("DROP TABLE feature_version")
    op.execute("DROP FUNCTION citygis_feature_history(), citygis_feature_version_is_kept()")
