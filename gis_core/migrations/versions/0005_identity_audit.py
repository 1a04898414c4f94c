"""Accounts, roles, sessions, personal access tokens, and the append-only audit log.

Revision ID: 0005_identity_audit
Revises: 0004_flood_zones
"""

from alembic import op

revision = "0005_identity_audit"
down_revision = "0004_flood_zones"
branch_labels = None
depends_on = None

SQL = """
CREATE TABLE app_user (
    id serial PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name text NOT NULL,
    email text,
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE user_role (
    user_id integer NOT NULL REFERENCES app_user ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('citizen', 'planner', 'disaster_officer',
                                       'network_staff', 'caseworker', 'admin')),
    PRIMARY KEY (user_id, role)
);
CREATE TABLE user_session (
    token_hash bytea PRIMARY KEY,
    user_id integer NOT NULL REFERENCES app_user ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    client_ip inet
);
CREATE INDEX user_session_user_idx ON user_session (user_id);
CREATE TABLE api_token (
    id serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES app_user ON DELETE CASCADE,
    name text NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    prefix text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked boolean NOT NULL DEFAULT false
);
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    user_id integer,
    username text,
    roles text[] NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}',
    client_ip inet,
    user_agent text
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC);
CREATE FUNCTION citygis_audit_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION citygis_audit_is_append_only();
"""


def upgrade() -> None:
    op.execute(SQL)


def downgrade() -> None:
    op.execute("DROP TABLE audit_log, api_token, user_session, user_role, app_user")
    op.execute("DROP FUNCTION citygis_audit_is_append_only()")
