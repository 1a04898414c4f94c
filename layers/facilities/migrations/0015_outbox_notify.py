"""A message queued in the notification outbox is announced on commit (NOTIFY is delivered
only when the transaction commits): the servers' notifiers LISTEN and send at once, whichever
process — a request, the CLI, another worker — queued it. No route has to remember to wake a
sender any more.

Revision ID: 0015_outbox_notify
Revises: facilities_branch
"""

from alembic import op

revision = "0015_outbox_notify"
down_revision = "facilities_branch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION notification_outbox_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('notification_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER notification_outbox_announce AFTER INSERT ON notification_outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notification_outbox_announce();
""")


def downgrade() -> None:
    op.execute("""
DROP TRIGGER notification_outbox_announce ON notification_outbox;
DROP FUNCTION notification_outbox_announce();
""")
