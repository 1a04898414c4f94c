"""Sample rooms: labelled, added only where a facility has none, and they follow their facility
when the facility layer is reloaded — a reload never loses a room that has bookings."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import URL

from data import sources
from data.load import CityInputs, _columns
from data.rooms import load_rooms
from data.store import replace_rows
from gis_core.database import psycopg_connect
from gis_core.settings import get_settings
from layers.facilities import models
from layers.facilities.links import LinksWouldBreak, rooms_follow_facilities


def room_homes(conn: psycopg.Connection) -> dict[int, tuple[int, str]]:
    return {r[0]: (r[1], r[2]) for r in conn.execute(
        "SELECT r.id, f.id, f.name FROM room r JOIN facility f ON f.id = r.facility_id")}


def reload_facilities(conn: psycopg.Connection, keep: int | None = None) -> None:
    frame = CityInputs(get_settings().data_dir).facilities
    if keep is not None:
        frame = frame.iloc[:keep]
    with conn.transaction():
        replace_rows(conn, "facility", frame, _columns(models.facility), sources.FACILITIES,
                     "test-reload", keep_links=rooms_follow_facilities)


def test_sample_rooms_are_labelled_and_added_once(db_url: URL) -> None:
    with psycopg_connect(db_url) as conn:
        labels = conn.execute("SELECT bool_and(is_sample AND name LIKE '%%（サンプル）'), "
                              "count(*), count(*) FILTER (WHERE lottery) FROM room").fetchone()
        bare = conn.execute("SELECT count(*) FROM facility f WHERE kind IN ('community_centre', "
                            "'sports_hall', 'park') AND NOT EXISTS (SELECT 1 FROM room r "
                            "WHERE r.facility_id = f.id)").fetchone()[0]
        assert load_rooms(conn) == 0
    assert labels[0] is True and labels[1] > 40 and labels[2] > 10 and bare == 0


def test_rooms_follow_their_facility_across_a_reload(fresh_db_url: URL) -> None:
    with psycopg_connect(fresh_db_url, autocommit=True) as conn:
        before = room_homes(conn)
        reload_facilities(conn)
        after = room_homes(conn)
    assert before and after.keys() == before.keys()
    assert all(after[r][1] == before[r][1] for r in before)  # same facility name
    assert all(after[r][0] != before[r][0] for r in before)  # under its new id


def test_a_reload_that_would_orphan_a_booked_room_is_refused(fresh_db_url: URL) -> None:
    with psycopg_connect(fresh_db_url, autocommit=True) as conn:
        room_id, facility_id = conn.execute(
            "SELECT r.id, r.facility_id FROM room r ORDER BY r.facility_id DESC LIMIT 1"
        ).fetchone()
        user_id = conn.execute("INSERT INTO app_user (username, display_name, password_hash) "
                               "VALUES ('holder', '利用者', 'x') RETURNING id").fetchone()[0]
        conn.execute("INSERT INTO booking (room_id, user_id, period, status, source) VALUES "
                     "(%s, %s, tstzrange(now() + interval '2 days', now() + interval "
                     "'2 days 3 hours'), 'confirmed', 'first_come')", (room_id, user_id))
        before = conn.execute("SELECT count(*), max(id) FROM facility").fetchone()
        with pytest.raises(LinksWouldBreak, match="relink"):
            reload_facilities(conn, keep=5)  # the booked room's facility is not among them
        assert conn.execute("SELECT count(*), max(id) FROM facility").fetchone() == before
        assert conn.execute("SELECT facility_id FROM room WHERE id = %s",
                            (room_id,)).fetchone()[0] == facility_id
