"""A message queued in the notification outbox is announced on commit (NOTIFY is delivered
only when the transaction commits): the servers' notifiers LISTEN and send at once, whichever
process — a request, the CLI, another worker — queued it. No route has to remember to wake a
sender any more. A lottery round that becomes drawn is announced the same way: its results are
queued by the sender itself (notify.announce_lottery_results).

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
CREATE TRIGGER lottery_round_drawn_announce AFTER UPDATE OF status ON lottery_round
    FOR EACH ROW WHEN (NEW.status = 'drawn' AND OLD.status IS DISTINCT FROM 'drawn')
    EXECUTE FUNCTION notification_outbox_announce();
""")


def downgrade() -> None:
    op.execute("""
DROP TRIGGER IF EXISTS lottery_round_drawn_announce ON lottery_round;
DROP TRIGGER notification_outbox_announce ON notification_outbox;
DROP FUNCTION notification_outbox_announce();
""")
