"""Rate-limit hits shared by every worker and server on the database (failed logins, reports).

UNLOGGED: a crash may forget the last minutes of hits, which only lifts a limit early; in
exchange a hit costs no WAL.

Revision ID: 0012_rate_limits
Revises: 0011_user_layers
"""

from alembic import op

revision = "0012_rate_limits"
down_revision = "0011_user_layers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE UNLOGGED TABLE rate_hit (
    bucket text NOT NULL,
    key text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX rate_hit_key_idx ON rate_hit (bucket, key, at);
CREATE INDEX rate_hit_age_idx ON rate_hit (bucket, at);
""")


def downgrade() -> None:
    op.execute("DROP TABLE rate_hit")
