"""What the base domain says about a place: in the city or not, and which 町丁目."""

from __future__ import annotations

from typing import Any

import asyncpg

from gis_core.domain import MayRead, SearchSource
from layers.base import service


async def facts(conn: asyncpg.Connection, lon: float, lat: float,
                may_read: MayRead) -> dict[str, Any]:
    return {"inside_city": await service.inside_city(conn, lon, lat),
            "chome": await service.chome_at(conn, lon, lat) if may_read("chome_areas") else None}


def sentences(place: dict[str, Any], lang: str) -> list[tuple[int, str]]:
    chome = place["chome"]
    if chome:
        if lang == "ja":
            approx = "（区域は近似）" if chome["approximate"] else ""
            return [(10, f"ここは{chome['name']}{approx}です。")]
        approx = " (approximate area)" if chome["approximate"] else ""
        return [(10, f"You are in {chome['name']}{approx}.")]
    if not place["inside_city"]:
        return [(10, "ここは東大和市の外です。" if lang == "ja"
                 else "This place is outside Higashiyamato City.")]
    return []


CHOME_SEARCH = SearchSource("chome", service.search_chome)
