"""What the facilities domain says about a place: the nearest public facilities and the rooms
that can be booked nearby."""

from __future__ import annotations

from typing import Any

import asyncpg

from gis_core.domain import MayRead, SearchSource
from layers.facilities import service


async def facts(conn: asyncpg.Connection, lon: float, lat: float,
                may_read: MayRead) -> dict[str, Any]:
    readable = may_read("facilities")
    return {
        "nearest_facilities": await service.nearest_facilities(conn, lon, lat) if readable else [],
        "bookable_rooms": await service.bookable_rooms_near(conn, lon, lat) if readable else [],
    }


def sentences(place: dict[str, Any], lang: str) -> list[tuple[int, str]]:
    if not place["nearest_facilities"]:
        return []
    f = place["nearest_facilities"][0]
    if lang == "ja":
        return [(40, f"最寄りの公共施設は{f['name']}（{f['category']}）、"
                     f"{f['distance_m']:.0f}メートルです。")]
    return [(40, f"The nearest public facility is {f['name']}, {f['distance_m']:.0f} m.")]


FACILITY_SEARCH = SearchSource("facilities", service.search_facilities)
