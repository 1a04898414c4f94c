"""Places: "what is here?" for a point, and place search — across the domains' services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import CatalogDep, PoolDep, RolesDep, ServicePointDep, reject_unknown_parameters
from api.ogc.common import json_response
from gis_core.access import Role
from gis_core.catalog import Catalog
from gis_core.text import fold_kana
from layers.base import service as base
from layers.disaster import hazards
from layers.disaster import service as disaster
from layers.facilities import service as facilities

router = APIRouter(tags=["Places"])


def _readable(catalog: Catalog, roles: frozenset[Role], layer_id: str) -> bool:
    layer = catalog.get(layer_id)
    return layer is not None and layer.may_read(roles)


def _wet(place: dict[str, Any]) -> dict[str, Any] | None:
    return next((h for h in place["hazards"] if h.get("raster") and h["value"]), None)


def summary_ja(place: dict[str, Any]) -> str:
    parts = []
    if place["chome"]:
        approx = "（区域は近似）" if place["chome"]["approximate"] else ""
        parts.append(f"ここは{place['chome']['name']}{approx}です。")
    elif not place["inside_city"]:
        parts.append("ここは東大和市の外です。")
    if place["nearest_shelters"]:
        s = place["nearest_shelters"][0]
        parts.append(f"最寄りの避難所は{s['name']}で、直線距離{s['distance_m']:.0f}メートル、"
                     f"徒歩約{s['walking_minutes']}分です。")
    if wet := _wet(place):
        sample = "（想定シナリオ・サンプル）" if wet["is_sample"] else ""
        parts.append(f"{wet['title_ja']}は{wet['label_ja']}です{sample}。")
    if place["nearest_facilities"]:
        f = place["nearest_facilities"][0]
        parts.append(f"最寄りの公共施設は{f['name']}（{f['category']}）、"
                     f"{f['distance_m']:.0f}メートルです。")
    return "".join(parts)


def summary_en(place: dict[str, Any]) -> str:
    parts = []
    if place["chome"]:
        approx = " (approximate area)" if place["chome"]["approximate"] else ""
        parts.append(f"You are in {place['chome']['name']}{approx}.")
    elif not place["inside_city"]:
        parts.append("This place is outside Higashiyamato City.")
    if place["nearest_shelters"]:
        s = place["nearest_shelters"][0]
        parts.append(f"The nearest shelter is {s['name']}, {s['distance_m']:.0f} m in a straight "
                     f"line, about {s['walking_minutes']} min on foot.")
    if wet := _wet(place):
        parts.append(f"{wet['title_en']}: {wet['label_en']}.")
    if place["nearest_facilities"]:
        f = place["nearest_facilities"][0]
        parts.append(f"The nearest public facility is {f['name']}, {f['distance_m']:.0f} m.")
    return " ".join(parts)


@router.get("/places/at", summary="What is at this place: 町丁目, nearest facilities and shelters")
async def place_at(request: Request, point: ServicePointDep, pool: PoolDep, catalog: CatalogDep,
                   roles: RolesDep) -> Response:
    reject_unknown_parameters(request, frozenset({"lon", "lat"}))
    lon, lat = point
    async with pool.acquire() as conn:
        place: dict[str, Any] = {
            "lon": lon, "lat": lat,
            "inside_city": await base.inside_city(conn, lon, lat),
            "chome": await base.chome_at(conn, lon, lat)
            if _readable(catalog, roles, "chome_areas") else None,
            "nearest_facilities": await facilities.nearest_facilities(conn, lon, lat)
            if _readable(catalog, roles, "facilities") else [],
            "nearest_shelters": await disaster.nearest_shelters(conn, lon, lat)
            if _readable(catalog, roles, "shelters") else [],
            "hazards": await hazards.hazards_at(conn, lon, lat),
            "bookable_rooms": await facilities.bookable_rooms_near(conn, lon, lat)
            if _readable(catalog, roles, "facilities") else [],
            "distance_note_ja": "距離は直線距離、徒歩時間は分速80mでの目安です。",
            "distance_note_en": "Distances are straight-line; walking times assume 80 m/min.",
        }
    place["summary_ja"], place["summary_en"] = summary_ja(place), summary_en(place)
    return json_response(place)


SEARCHES = (("chome", base.search_chome), ("facilities", facilities.search_facilities),
            ("shelters", disaster.search_shelters))


@router.get("/search", summary="Find 町丁目, facilities and shelters by name or reading")
async def search(request: Request, pool: PoolDep, catalog: CatalogDep, roles: RolesDep,
                 q: Annotated[str, Query(min_length=1, max_length=100)],
                 limit: Annotated[int, Query(ge=1, le=50)] = 10) -> Response:
    reject_unknown_parameters(request, frozenset({"q", "limit"}))
    query, folded = q.strip(), fold_kana(q)
    results: list[dict[str, Any]] = []
    async with pool.acquire() as conn:
        for layer_id, find in SEARCHES:
            if _readable(catalog, roles, layer_id) and len(results) < limit:
                results += await find(conn, query, folded, limit - len(results))
    return json_response({"query": q, "results": results})
