"""Places: "what is here?" for a point, and place search — what every domain contributes
(gis_core.domain)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.deps import CatalogDep, PoolDep, RolesDep, ServicePointDep, reject_unknown_parameters
from api.ogc.common import json_response
from gis_core.access import Role
from gis_core.catalog import Catalog
from gis_core.domain import Domain, MayRead
from gis_core.text import fold_kana

router = APIRouter(tags=["Places"])


def _reader(catalog: Catalog, roles: frozenset[Role]) -> MayRead:
    def may_read(layer_id: str) -> bool:
        layer = catalog.get(layer_id)
        return layer is not None and layer.may_read(roles)
    return may_read


def summary(domains: tuple[Domain, ...], place: dict[str, Any], lang: str) -> str:
    """Every domain's sentences about the place, the most urgent (lowest rank) first."""
    ranked = [s for d in domains if (said := d.sentences()) for s in said(place, lang)]
    return ("" if lang == "ja" else " ").join(text for _, text in sorted(ranked))


@router.get("/places/at", summary="What is at this place: 町丁目, nearest facilities and shelters")
async def place_at(request: Request, point: ServicePointDep, pool: PoolDep, catalog: CatalogDep,
                   roles: RolesDep) -> Response:
    reject_unknown_parameters(request, frozenset({"lon", "lat"}))
    lon, lat = point
    may_read = _reader(catalog, roles)
    place: dict[str, Any] = {"lon": lon, "lat": lat}
    domains = request.app.state.domains
    async with pool.acquire() as conn:
        for domain in domains:
            if facts := domain.facts():
                place |= await facts(conn, lon, lat, may_read)
    place |= {"distance_note_ja": "距離は直線距離、徒歩時間は分速80mでの目安です。",
              "distance_note_en": "Distances are straight-line; walking times assume 80 m/min."}
    place["summary_ja"] = summary(domains, place, "ja")
    place["summary_en"] = summary(domains, place, "en")
    return json_response(place)


@router.get("/search", summary="Find 町丁目, facilities and shelters by name or reading")
async def search(request: Request, pool: PoolDep, catalog: CatalogDep, roles: RolesDep,
                 q: Annotated[str, Query(min_length=1, max_length=100)],
                 limit: Annotated[int, Query(ge=1, le=50)] = 10) -> Response:
    reject_unknown_parameters(request, frozenset({"q", "limit"}))
    query, folded = q.strip(), fold_kana(q)
    results: list[dict[str, Any]] = []
    may_read = _reader(catalog, roles)
    async with pool.acquire() as conn:
        for source in (s for d in request.app.state.domains for s in d.search_sources()):
            readable = source.layer_id is None or may_read(source.layer_id)
            if readable and len(results) < limit:
                results += await source.find(conn, query, folded, limit - len(results))
    return json_response({"query": q, "results": results})
