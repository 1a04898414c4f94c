"""One listening connection per server process, for every channel (layer versions, shelter
status, the notification outbox), outside the connections requests get."""

from __future__ import annotations

from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from tests.conftest import LiveServer


def _connections(url: URL) -> list[tuple[str, str]]:
    with psycopg_connect(url.set(database="postgres")) as conn:
        return conn.execute(
            "SELECT state, query FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = 'citygis-api'", (url.database,)).fetchall()


def test_a_server_listens_on_one_connection(fresh_db_url: URL) -> None:
    with LiveServer(fresh_db_url) as live:
        listening = [q for _, q in _connections(fresh_db_url) if q.startswith("LISTEN")]
        channels = set(live.app.state.listener._callbacks)
    assert len(listening) == 1
    assert {"citygis_shelter_status", "notification_outbox"} <= channels
    assert len(channels) >= 3


def test_the_pool_keeps_its_size_for_requests(fresh_db_url: URL) -> None:
    with LiveServer(fresh_db_url) as live:
        pool = live.app.state.pool
        assert pool.get_max_size() == live.app.state.settings.db_pool_size + 1
