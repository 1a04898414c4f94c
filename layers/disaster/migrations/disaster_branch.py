"""Where the disaster domain's own migrations start: a new one revises ``disaster@head`` (its
``down_revision`` is the newest revision of this folder). Empty: its tables came
with 0003, 0004, 0009 and 0010.

Revision ID: disaster_branch
Revises: 0014_token_expiry
"""

revision = "disaster_branch"
down_revision = "0014_token_expiry"
branch_labels = ("disaster",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
