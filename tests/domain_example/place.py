"""What the counters domain knows and says about a place."""

from __future__ import annotations

from typing import Any

from pyproj import Geod

from gis_core.domain import MayRead, SearchSource

COUNTERS = [
    {"name": "市民課 住民記録窓口", "building": "本庁舎 1階", "lon": 139.4265, "lat": 35.7454},
    {"name": "上北台出張所", "building": "上北台公民館", "lon": 139.4089, "lat": 35.7560},
]
GEOD = Geod(ellps="GRS80")


def _distance_m(counter: dict[str, Any], lon: float, lat: float) -> float:
    return GEOD.inv(lon, lat, counter["lon"], counter["lat"])[2]


async def facts(_conn: Any, lon: float, lat: float, _may_read: MayRead) -> dict[str, Any]:
    nearest = min(COUNTERS, key=lambda c: _distance_m(c, lon, lat))
    return {"nearest_counter": {**nearest, "distance_m": round(_distance_m(nearest, lon, lat))}}


def sentences(place: dict[str, Any], lang: str) -> list[tuple[int, str]]:
    counter = place["nearest_counter"]
    if lang == "ja":
        return [(50, f"最寄りの窓口は{counter['name']}（{counter['building']}）です。")]
    return [(50, f"The nearest counter is {counter['name']}.")]


async def find(_conn: Any, query: str, _folded: str, limit: int) -> list[dict[str, Any]]:
    return [{"kind": "counter", "layer": None, **c} for c in COUNTERS if query in c["name"]][:limit]


COUNTER_SEARCH = SearchSource(None, find)  # public: no layer to check the caller against


def install(app: Any) -> None:
    app.state.counters = COUNTERS
