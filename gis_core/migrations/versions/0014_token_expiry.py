"""Every API token expires: those made without an end get one a year after they were made (at
the earliest, a week from now, so nobody is cut off by this upgrade); the database refuses a
new token without an end or living longer than a year (api/auth/service.py
MAX_TOKEN_LIFETIME).

Accounts no longer lock themselves after failed logins (an attacker could lock the owner
out); ``locked_until`` goes.

Revision ID: 0014_token_expiry
Revises: 0013_text_limits
"""

from alembic import op

revision = "0014_token_expiry"
down_revision = "0013_text_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
UPDATE api_token SET expires_at = greatest(created_at + interval '365 days',
                                           now() + interval '7 days')
WHERE expires_at IS NULL OR expires_at > created_at + interval '365 days';
ALTER TABLE api_token ALTER COLUMN expires_at SET NOT NULL,
    ADD CONSTRAINT api_token_lifetime
        CHECK (expires_at <= created_at + interval '366 days') NOT VALID;  -- new tokens
ALTER TABLE app_user DROP COLUMN locked_until;
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE app_user ADD COLUMN locked_until timestamptz;
ALTER TABLE api_token DROP CONSTRAINT api_token_lifetime,
    ALTER COLUMN expires_at DROP NOT NULL;
""")
