"""Where the base domain's own migrations start: a new one revises ``base@head`` (its
``down_revision`` is the newest revision of this folder). Empty: its tables came with 0002.

Revision ID: base_branch
Revises: 0014_token_expiry
"""

revision = "base_branch"
down_revision = "0014_token_expiry"
branch_labels = ("base",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
