"""Where the facilities domain's own migrations start: a new one revises ``facilities@head`` (its
``down_revision`` is the newest revision of this folder). Empty: its tables came with 0003 and 0008.

Revision ID: facilities_branch
Revises: 0014_token_expiry
"""

revision = "facilities_branch"
down_revision = "0014_token_expiry"
branch_labels = ("facilities",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
