"""Core: PostGIS, layer versions (tile cache invalidation) and dataset provenance.

Revision ID: 0001_core
Revises:
"""

from alembic import op

from gis_core.schema import CORE_SQL

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(CORE_SQL)


def downgrade() -> None:
    op.execute("DROP TABLE dataset; DROP TABLE layer_version;")
    op.execute("DROP FUNCTION citygis_bump_layer_version()")
