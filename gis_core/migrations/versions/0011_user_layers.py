"""Layers planners create at run time: their definitions (each has its own table ul_<id>).

Revision ID: 0011_user_layers
Revises: 0010_emergency_reports
"""

from alembic import op

revision = "0011_user_layers"
down_revision = "0010_emergency_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE user_layer (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{1,39}$'),
    geometry_type text NOT NULL,
    title_ja text NOT NULL CHECK (length(title_ja) BETWEEN 1 AND 200),
    title_en text NOT NULL CHECK (length(title_en) BETWEEN 1 AND 200),
    description_ja text NOT NULL DEFAULT '',
    description_en text NOT NULL DEFAULT '',
    fields jsonb NOT NULL,
    read_roles text[] NOT NULL,
    edit_roles text[] NOT NULL,
    source text NOT NULL DEFAULT '',
    license text NOT NULL DEFAULT '',
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
""")


def downgrade() -> None:
    op.execute("DROP TABLE user_layer")
