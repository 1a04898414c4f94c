"""Emergency mode and citizens' crowd reports (disaster domain).

Revision ID: 0010_emergency_reports
Revises: 0009_disaster
"""

from alembic import op

from gis_core.schema import layer_geometry_sql

revision = "0010_emergency_reports"
down_revision = "0009_disaster"
branch_labels = None
depends_on = None

CATEGORIES = ("building_damage", "blocked_road", "flooding", "fire", "landslide", "other")
STATUSES = ("new", "confirmed", "duplicate", "resolved", "rejected")

TABLES = f"""
CREATE TABLE emergency_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    active boolean NOT NULL DEFAULT false,
    message_ja text NOT NULL DEFAULT '' CHECK (length(message_ja) <= 500),
    message_en text NOT NULL DEFAULT '' CHECK (length(message_en) <= 500),
    changed_by text,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO emergency_state DEFAULT VALUES;

CREATE TABLE crowd_report (
    id bigserial PRIMARY KEY,
    category text NOT NULL CHECK (category IN {CATEGORIES!r}),
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    photo text,
    status text NOT NULL DEFAULT 'new' CHECK (status IN {STATUSES!r}),
    duplicate_of bigint REFERENCES crowd_report (id),
    reporter_id bigint REFERENCES app_user (id),
    reporter_ip inet,
    created_at timestamptz NOT NULL DEFAULT now(),
    triaged_by text,
    triaged_at timestamptz,
    CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL)),
    CHECK (duplicate_of IS DISTINCT FROM id)
);
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(layer_geometry_sql("crowd_report", "Point", ["crowd_reports"]))
    op.execute("CREATE INDEX crowd_report_status_idx ON crowd_report (status, category)")
    op.execute("CREATE INDEX crowd_report_geog_idx ON crowd_report USING gist ((geom::geography))")
    # Edges near a confirmed blocked-road report (layers.disaster.reports) are not routed over.
    op.execute("ALTER TABLE road_edge ADD COLUMN blocked boolean NOT NULL DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE road_edge DROP COLUMN blocked")
    op.execute("DROP TABLE crowd_report")
    op.execute("DROP TABLE emergency_state")
    op.execute("DELETE FROM layer_version WHERE layer_id = 'crowd_reports'")
