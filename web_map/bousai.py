"""The light emergency page (/bousai): what a citizen needs in a disaster on a weak phone
connection — the officers' message, the shelters nearest to them, every shelter as a plain
list, and a form to report damage. Server-rendered; a few kB of script; no map library."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from layers.disaster import listing, reports
from web_map.pages import PAGE_POLICY, page_config, templates

router = APIRouter(include_in_schema=False)

CATEGORY_TITLES = {
    "building_damage": ("建物の被害", "Damaged building"),
    "blocked_road": ("通行止め・道路の被害", "Blocked or damaged road"),
    "flooding": ("浸水・冠水", "Flooding"),
    "fire": ("火災", "Fire"),
    "landslide": ("がけ崩れ", "Landslide"),
    "other": ("その他", "Other"),
}


FRESH_S = 2.0  # the page is the same for everyone: render it at most this often per worker


async def render_page(request: Request) -> bytes:
    state = request.app.state
    emergency = await state.emergency.state(state.pool)
    async with state.pool.acquire() as conn:
        shelters = await listing.all_shelters(conn)
        places = await listing.chome_points(conn)
    context = {
        "config": page_config(state.settings), "emergency": emergency, "shelters": shelters,
        "places": places,
        "categories": [(c, *CATEGORY_TITLES[c]) for c in reports.CATEGORIES],
    }
    return bytes(templates.TemplateResponse(request, "bousai.html", context).body)


@router.get("/bousai")
async def bousai_page(request: Request) -> Response:
    """During a spike thousands ask for this page at once: one render serves them for
    FRESH_S seconds, so shelter status on it is at most that old (a switch of emergency mode
    shows at once)."""
    state = request.app.state
    switched = (await state.emergency.state(state.pool)).changed_at
    cached = getattr(state, "bousai_page", None)
    if cached is None or cached[1] != switched or time.monotonic() - cached[0] > FRESH_S:
        cached = (time.monotonic(), switched, await render_page(request))
        state.bousai_page = cached
    return Response(cached[2], media_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-cache", "Content-Security-Policy": PAGE_POLICY})
