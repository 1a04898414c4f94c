"""Rows that point at a facility follow it when the facility layer is replaced (a reload of the
samples, an import of 国土数値情報 P02): the facilities domain's rule, handed to the general
``data.store.replace_rows`` by the loaders that replace facilities."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg

from gis_core.errors import ConflictError


class LinksWouldBreak(ConflictError):
    """A replacement of the facilities would leave rooms or suspensions in use without one."""


DEPENDANTS = ("room", "facility_suspension")


@contextlib.contextmanager
def rooms_follow_facilities(conn: psycopg.Connection) -> Iterator[None]:
    """Around a replacement of the facility rows (in its transaction): rooms and suspensions
    move to the new facility of the same name and kind nearest to where theirs was (names
    repeat: two 中央公民館 in different 町丁目). A sample room left without a facility is
    deleted if it was never used; anything else left without one stops the load — bookings are
    never lost to a reload."""
    links = {table: conn.execute(
        f"SELECT t.id, f.name, f.kind, f.geom FROM {table} t "
        "JOIN facility f ON f.id = t.facility_id ORDER BY t.id"
    ).fetchall() for table in DEPENDANTS}
    yield
    for table, rows in links.items():
        orphans = [row[0] for row in rows if not _relink(conn, table, *row)]
        if orphans:
            _drop_orphans(conn, table, orphans)


def _relink(conn: psycopg.Connection, table: str, row_id: int, name: str, kind: str,
            geom: str) -> bool:
    found = conn.execute("SELECT id FROM facility WHERE name = %s AND kind = %s "
                         "ORDER BY geom <-> %s::geometry LIMIT 1", (name, kind, geom)).fetchone()
    if found is None:
        return False
    try:
        with conn.transaction():
            conn.execute(f"UPDATE {table} SET facility_id = %s WHERE id = %s",
                         (found[0], row_id))
    except psycopg.errors.UniqueViolation:  # its new facility has a room of that name
        return False
    return True


def _drop_orphans(conn: psycopg.Connection, table: str, ids: list[int]) -> None:
    if table == "room":
        kept = conn.execute(
            "SELECT name FROM room r WHERE id = ANY(%s) AND (NOT is_sample "
            "OR EXISTS (SELECT 1 FROM booking b WHERE b.room_id = r.id) "
            "OR EXISTS (SELECT 1 FROM lottery_slot s WHERE s.room_id = r.id) "
            "OR EXISTS (SELECT 1 FROM waitlist_entry w WHERE w.room_id = r.id))", (ids,),
        ).fetchall()
    else:
        kept = conn.execute("SELECT reason FROM facility_suspension WHERE id = ANY(%s)",
                            (ids,)).fetchall()
    if kept:
        raise LinksWouldBreak(f"the new facilities leave {len(kept)} {table} row(s) in use without "
                           f"their facility ({', '.join(r[0] for r in kept[:5])}); relink them "
                           "to a facility of the new data first")
    conn.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", (ids,))
