"""Where the core platform's own migrations start: a new one revises ``core@head`` (its
``down_revision`` is the newest revision of this folder). Empty: its tables came with 0001–0014.

Revision ID: core_branch
Revises: 0014_token_expiry
"""

revision = "core_branch"
down_revision = "0014_token_expiry"
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
