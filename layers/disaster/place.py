"""What the disaster domain says about a place: the nearest shelters and the hazards there."""

from __future__ import annotations

from typing import Any

import asyncpg

from gis_core.domain import MayRead, SearchSource
from layers.disaster import hazards, service


async def facts(conn: asyncpg.Connection, lon: float, lat: float,
                may_read: MayRead) -> dict[str, Any]:
    return {"nearest_shelters": await service.nearest_shelters(conn, lon, lat)
            if may_read("shelters") else [],
            "hazards": await hazards.hazards_at(conn, lon, lat)}


def _wet(place: dict[str, Any]) -> dict[str, Any] | None:
    return next((h for h in place["hazards"] if h.get("raster") and h["value"]), None)


def _shelter(place: dict[str, Any], lang: str) -> list[tuple[int, str]]:
    if not place["nearest_shelters"]:
        return []
    s = place["nearest_shelters"][0]
    if lang == "ja":
        return [(20, f"最寄りの避難所は{s['name']}で、直線距離{s['distance_m']:.0f}メートル、"
                     f"徒歩約{s['walking_minutes']}分です。")]
    return [(20, f"The nearest shelter is {s['name']}, {s['distance_m']:.0f} m in a straight "
                 f"line, about {s['walking_minutes']} min on foot.")]


def _hazard(place: dict[str, Any], lang: str) -> list[tuple[int, str]]:
    wet = _wet(place)
    if wet is None:
        return []
    if lang == "ja":
        sample = "（想定シナリオ・サンプル）" if wet["is_sample"] else ""
        return [(30, f"{wet['title_ja']}は{wet['label_ja']}です{sample}。")]
    return [(30, f"{wet['title_en']}: {wet['label_en']}.")]


def sentences(place: dict[str, Any], lang: str) -> list[tuple[int, str]]:
    return _shelter(place, lang) + _hazard(place, lang)


SHELTER_SEARCH = SearchSource("shelters", service.search_shelters)
