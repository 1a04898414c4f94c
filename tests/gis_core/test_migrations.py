"""Migrations live with their domains (gis_core.migrate): a database migrated by the single chain
of revisions 0001–0014 upgrades to the heads of the branches without losing a row, the newest
revisions go down and up again, and a new domain's folder joins through ``Domain.migrations``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy.engine import URL

from data.load import load_city
from gis_core.database import psycopg_connect
from gis_core.domain import Domain, domain_folders
from gis_core.migrate import (
    SchemaBehind,
    alembic_config,
    check_current,
    current_revision,
    downgrade,
    script_heads,
    upgrade,
)
from layers import DOMAINS, migration_folders
from tests.conftest import RUN_ID, _create_database, _drop_database

# The ids existing databases hold: they never change, whichever folder their file is in.
SHARED_HISTORY = (
    "0001_core", "0002_base", "0003_facilities_shelters", "0004_flood_zones",
    "0005_identity_audit", "0006_feature_history", "0008_bookings", "0009_disaster",
    "0010_emergency_reports", "0011_user_layers", "0012_rate_limits", "0013_text_limits",
    "0014_token_expiry",
)
BRANCHES = {"core": "core_branch", "base": "base_branch", "facilities": "facilities_branch",
            "disaster": "disaster_branch"}
FOLDERS = migration_folders()
HEADS = {"core_branch", "base_branch", "0015_outbox_notify", "disaster_branch"}  # the newest

# A row in each table the city's load leaves empty, written as the code of revision 0012 wrote
# them: a token without an end (0014 gives it one), a planner's layer without length limits.
ROWS_AT_0012 = """
INSERT INTO app_user (id, username, display_name, password_hash, locked_until)
    VALUES (1, 'hanako', '花子', 'x', now());
INSERT INTO user_role VALUES (1, 'planner');
INSERT INTO user_session VALUES ('\\x01', 1, 'csrf', now(), now() + interval '1 day', '127.0.0.1');
INSERT INTO api_token (user_id, name, token_hash, prefix) VALUES (1, 'qgis', '\\x02', 'cg_');
INSERT INTO audit_log (user_id, username, roles, action, target)
    VALUES (1, 'hanako', '{planner}', 'login', 'session');
INSERT INTO citizen_profile (user_id, address, household_key) VALUES (1, '中央三丁目', 'h1');
INSERT INTO room_closure SELECT min(id), '2031-01-02', '点検' FROM room;
INSERT INTO facility_suspension (id, facility_id, period, reason)
    SELECT 1, facility_id, '[2031-02-01 09:00+09, 2031-02-02 09:00+09)', '工事'
      FROM room ORDER BY id LIMIT 1;
INSERT INTO booking (id, room_id, user_id, period, status, source)
    SELECT 1, min(id), 1, '[2031-01-10 10:00+09, 2031-01-10 12:00+09)', 'confirmed',
           'first_come' FROM room;
INSERT INTO waitlist_entry (room_id, user_id, period, party_size)
    SELECT min(id), 1, '[2031-01-10 10:00+09, 2031-01-10 12:00+09)', 2 FROM room;
INSERT INTO lottery_round (id, month, opens_at, closes_at, confirm_by, max_choices,
                           seed_commitment, algorithm)
    VALUES (1, '2031-03-01', '2031-01-01', '2031-01-20', '2031-01-30', 3, repeat('a', 64),
            'sha256');
INSERT INTO lottery_slot (id, round_id, room_id, period)
    SELECT 1, 1, min(id), '[2031-03-05 10:00+09, 2031-03-05 12:00+09)' FROM room;
INSERT INTO lottery_entry (id, round_id, user_id, household_key, public_id, party_size)
    VALUES (1, 1, 1, 'h1', 'E-0001', 4);
INSERT INTO lottery_choice VALUES (1, 1, 1, 1, 'h1');
INSERT INTO lottery_result VALUES (1, 1, 1, 1, 1);
INSERT INTO notification_outbox (user_id, to_address, kind, payload)
    VALUES (1, 'hanako@example.jp', 'booking_confirmed', '{"booking": 1}');
INSERT INTO crowd_report (category, note, geom)
    VALUES ('flooding', '冠水', ST_SetSRID(ST_MakePoint(139.43, 35.745), 4326));
INSERT INTO landslide_zone (zone_kind, phenomenon, label_ja, is_sample, geom)
    VALUES ('warning', 'steep_slope', '急傾斜地', true,
            ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(139.43, 35.75), 4326), 0.001)));
INSERT INTO rate_hit (bucket, key) VALUES ('login', '127.0.0.1');
INSERT INTO user_layer (id, geometry_type, title_ja, title_en, fields, read_roles, edit_roles,
                        created_by)
    VALUES ('parks', 'Point', '公園', 'Parks',
            '[{"name": "label", "type": "string", "title_ja": "名称", "title_en": "Label"}]',
            '{public}', '{planner}', 'hanako');
CREATE TABLE ul_parks (id bigserial PRIMARY KEY, "label" text);
"""
USER_LAYER_TABLE = ("ul_parks", "Point", ["parks"])
USER_LAYER_ROW = """INSERT INTO ul_parks ("label", geom)
    VALUES ('芋窪公園', ST_SetSRID(ST_MakePoint(139.42, 35.76), 4326))"""

DROPPED = {("app_user", "locked_until")}  # 0014: accounts no longer lock themselves
REWRITTEN = {("api_token", "expires_at")}  # 0014: every token gets an end
NOT_COMPARED = {"alembic_version", "spatial_ref_sys"}


@pytest.fixture
def empty_db(server_url: URL) -> Iterator[URL]:
    name = f"citygis_test_{RUN_ID}_migrations"
    yield _create_database(server_url, name)
    _drop_database(server_url, name)


def _table_columns(url: URL) -> dict[str, list[str]]:
    with psycopg_connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0"
            " AND NOT a.attisdropped ORDER BY c.relname, a.attnum").fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        if table not in NOT_COMPARED:
            columns.setdefault(table, []).append(column)
    return columns


def _fingerprints(url: URL, columns: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per table: the number of rows and a checksum of ``columns`` over all of them."""
    found = {}
    with psycopg_connect(url) as conn:
        for table, names in columns.items():
            row = sql.SQL("md5(row({})::text)").format(
                sql.SQL(", ").join(map(sql.Identifier, names)))
            query = sql.SQL("SELECT count(*), coalesce(md5(string_agg({row}, '' ORDER BY {row})),"
                            " '') FROM {table}").format(row=row, table=sql.Identifier(table))
            found[table] = tuple(conn.execute(query).fetchone())
    return found


def _kept_columns(columns: dict[str, list[str]]) -> dict[str, list[str]]:
    return {table: [c for c in names if (table, c) not in DROPPED | REWRITTEN]
            for table, names in columns.items()}


def _fill_at_0012(url: URL) -> None:
    from gis_core.schema import history_trigger_sql, layer_geometry_sql

    load_city(url, progress=False)
    table, geometry_type, layer_ids = USER_LAYER_TABLE
    with psycopg_connect(url) as conn:
        conn.execute(ROWS_AT_0012)
        conn.execute(layer_geometry_sql(table, geometry_type, layer_ids))
        conn.execute(history_trigger_sql(table, layer_ids[0]))
        conn.execute(USER_LAYER_ROW)


def test_the_shared_history_keeps_its_ids_and_order() -> None:
    scripts = ScriptDirectory.from_config(alembic_config(URL.create("postgresql"), FOLDERS))
    chain = [rev.revision for rev in scripts.iterate_revisions("0014_token_expiry", "base")]
    assert tuple(reversed(chain)) == SHARED_HISTORY
    for label, revision in BRANCHES.items():
        script = scripts.get_revision(revision)
        assert script.branch_labels == {label}
        assert script.down_revision == "0014_token_expiry"
    assert script_heads(FOLDERS) == HEADS


def test_a_database_of_the_single_chain_upgrades_without_losing_a_row(empty_db: URL) -> None:
    upgrade(empty_db, FOLDERS, "0012_rate_limits")
    _fill_at_0012(empty_db)
    columns = _table_columns(empty_db)
    before = _fingerprints(empty_db, _kept_columns(columns))
    assert [table for table, (count, _) in before.items() if count == 0] == []

    upgrade(empty_db, FOLDERS, "0014_token_expiry")  # the head before migrations had branches
    with pytest.raises(SchemaBehind, match="core_branch"):
        check_current(empty_db, FOLDERS)
    upgrade(empty_db, FOLDERS)

    check_current(empty_db, FOLDERS)
    after_columns = _table_columns(empty_db)
    for table, names in _kept_columns(columns).items():
        assert set(names) <= set(after_columns[table]), table
    assert _fingerprints(empty_db, _kept_columns(columns)) == before
    with psycopg_connect(empty_db) as conn:
        assert conn.execute("SELECT count(*) FROM api_token WHERE expires_at IS NULL"
                            ).fetchone() == (0,)


def test_the_newest_revisions_go_down_and_up_again(fresh_db_url: URL) -> None:
    counts = {table: count for table, (count, _) in
              _fingerprints(fresh_db_url, _kept_columns(_table_columns(fresh_db_url))).items()}
    downgrade(fresh_db_url, FOLDERS, "0012_rate_limits")
    assert current_revision(fresh_db_url) == "0012_rate_limits"
    with pytest.raises(SchemaBehind):
        check_current(fresh_db_url, FOLDERS)

    upgrade(fresh_db_url, FOLDERS)
    check_current(fresh_db_url, FOLDERS)
    again = _fingerprints(fresh_db_url, _kept_columns(_table_columns(fresh_db_url)))
    assert {table: count for table, (count, _) in again.items()} == counts


NEW_DOMAIN_MIGRATION = '''"""The service counters' table."""

from alembic import op

revision = "counters_0001"
down_revision = None
branch_labels = ("counters",)
depends_on = "core"


def upgrade() -> None:
    op.execute("CREATE TABLE service_counter (id serial PRIMARY KEY, name text NOT NULL)")


def downgrade() -> None:
    op.execute("DROP TABLE service_counter")
'''


def _has_table(url: URL, table: str) -> bool:
    with psycopg_connect(url) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def test_a_new_domains_migrations_folder_joins_the_heads(fresh_db_url: URL, tmp_path: Path
                                                         ) -> None:
    folder = tmp_path / "counters_migrations"
    folder.mkdir()
    (folder / "counters_0001.py").write_text(NEW_DOMAIN_MIGRATION)
    counters = Domain(name="counters", migrations=str(folder))
    folders = domain_folders((*DOMAINS, counters))

    # alembic_version drops a head once a revision depends on it: core_branch is in counters'
    assert script_heads(folders) == {*HEADS, "counters_0001"} - {"core_branch"}
    with pytest.raises(SchemaBehind, match="counters_0001"):
        check_current(fresh_db_url, folders)
    upgrade(fresh_db_url, folders)
    assert _has_table(fresh_db_url, "service_counter")
    check_current(fresh_db_url, folders)
    with pytest.raises(SchemaBehind):  # code without the domain refuses the newer database
        check_current(fresh_db_url, FOLDERS)

    downgrade(fresh_db_url, folders, "counters@base")
    assert not _has_table(fresh_db_url, "service_counter")
    check_current(fresh_db_url, FOLDERS)


def test_every_registered_domain_names_its_migrations_folder() -> None:
    for domain in DOMAINS:
        folder = domain.migrations_folder()
        assert folder == Path(__file__).parents[2] / "layers" / domain.name / "migrations"
        assert (folder / f"{domain.name}_branch.py").is_file()
