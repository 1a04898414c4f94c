"""Services of the facilities domain that other domains and the API call: nearest and search,
the suspend hook for the disaster domain, and the housekeeping of bookings. Bookings, the
lottery and notifications have their own modules (booking, waitlist, lottery, lottery_draw,
notify, availability, room_admin, households)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from gis_core.proximity import nearest
from gis_core.text import like_pattern
from layers.facilities.lottery import lapse_unconfirmed, send_reminders
from layers.facilities.rooms import japan_day, sync_holidays, utcnow
from layers.facilities.suspension import lift_suspension, suspend_facility

__all__ = ["housekeeping", "lift_suspension", "nearest_facilities", "search_facilities",
           "suspend_facility"]


async def nearest_facilities(conn: asyncpg.Connection, lon: float, lat: float,
                             limit: int = 5) -> list[dict[str, Any]]:
    rows = await nearest(conn, "facility", ["name", "category_ja", "kind"], lon, lat, limit)
    return [{"layer": "facilities", "category": row.pop("category_ja"), **row} for row in rows]


async def search_facilities(conn: asyncpg.Connection, query: str, folded: str,
                            limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """
        SELECT 'facility' AS kind, 'facilities' AS layer, id, name, name_kana,
               category_ja AS category, ST_X(geom) AS lon, ST_Y(geom) AS lat, NULL AS bbox
        FROM facility
        WHERE name LIKE $1 OR category_ja LIKE $1 OR name_kana LIKE $2
        ORDER BY (name LIKE $3) DESC, length(name), name
        LIMIT $4
        """,
        like_pattern(query), like_pattern(folded), like_pattern(query)[1:], limit,
    )
    return [dict(row) for row in rows]


async def housekeeping(conn: asyncpg.Connection, now: datetime | None = None,
                       last_day: date | None = None) -> date:
    """What time alone changes: lapse lottery wins not confirmed in time, queue confirm-by
    reminders, close waiting-list places whose time has come, keep the holiday table a year
    ahead, and bump the free/busy layer's version when the day (Japan time) turns. Returns
    today, for the next call's ``last_day``."""
    now = now or utcnow()
    today = japan_day(now)
    await lapse_unconfirmed(conn, now)
    await send_reminders(conn, now)
    await conn.execute("UPDATE waitlist_entry SET status = 'expired', updated_at = now() "
                       "WHERE status = 'waiting' AND lower(period) <= $1", now)
    if last_day != today:
        await sync_holidays(conn, range(today.year - 1, today.year + 3))
        if last_day is not None:
            await conn.execute(
                "UPDATE layer_version SET version = version + 1, changed_at = now() "
                "WHERE layer_id = 'facility_availability' "
                "RETURNING pg_notify('citygis_layer_changed', layer_id || ':' || version)")
    return today


async def facility_at(conn: asyncpg.Connection, lon: float, lat: float,
                      within_m: float = 30.0) -> int | None:
    """The facility standing at a place (e.g. a school that is also a shelter), if any."""
    return await conn.fetchval(
        "SELECT id FROM facility WHERE ST_DWithin(geom::geography, ST_Point($1, $2, 4326)::"
        "geography, $3) ORDER BY geom <-> ST_Point($1, $2, 4326) LIMIT 1", lon, lat, within_m)


async def bookable_rooms_near(conn: asyncpg.Connection, lon: float, lat: float,
                              radius_m: float = 1000, limit: int = 3) -> list[dict[str, Any]]:
    """Rooms near a place with a time free for first-come booking today or tomorrow (Japan
    time), nearest first: the "this place" panel's bookable rooms."""
    from datetime import timedelta

    from layers.facilities import availability
    from layers.facilities.rooms import JAPAN

    today = datetime.now(JAPAN).replace(hour=0, minute=0, second=0, microsecond=0)
    found = await availability.search(conn, today, today + timedelta(days=2),
                                      near=(lon, lat, radius_m))
    return [{"room_id": r["room_id"], "name": f"{r['facility_name']} {r['room_name']}",
             "kind_ja": r["kind_ja"], "free_count": r["free_count"],
             "distance_m": r["distance_m"]} for r in found[:limit]]
