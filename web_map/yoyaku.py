"""The citizens' booking pages (施設予約): /yoyaku finds a free room by day, kind, size and
place (a list and a map), shows a room's calendar and books it; /yoyaku/chusen enters the
monthly lottery with ranked choices. Searching needs no account; booking and entering need a
citizen login."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web_map.pages import page_config, templates

router = APIRouter(include_in_schema=False)
KINDS = [("meeting_room", "集会室・会議室", "Meeting rooms"), ("japanese_room", "和室",
         "Japanese-style rooms"), ("hall", "ホール", "Halls"), ("gym", "体育館", "Gyms"),
         ("studio", "練習室", "Studios"), ("court", "コート", "Courts")]
CHOME_NAMES_SQL = "SELECT name FROM chome_area GROUP BY name ORDER BY name"


@router.get("/yoyaku")
async def booking_page(request: Request) -> Response:
    async with request.app.state.pool.acquire() as conn:
        chome_names = [row["name"] for row in await conn.fetch(CHOME_NAMES_SQL)]
    context = {"config": page_config(request.app.state.settings), "kinds": KINDS,
               "chome_names": chome_names}
    return templates.TemplateResponse(request, "yoyaku.html", context)


@router.get("/yoyaku/chusen")
async def lottery_page(request: Request) -> Response:
    context = {"config": page_config(request.app.state.settings)}
    return templates.TemplateResponse(request, "chusen.html", context)
