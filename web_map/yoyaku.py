"""The citizens' booking page (/yoyaku, 施設予約): find a free room by day, kind and size, book
it, see and cancel your bookings. Searching needs no account; booking needs a citizen login."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from web_map.pages import page_config, templates

router = APIRouter(include_in_schema=False)
KINDS = [("meeting_room", "集会室・会議室", "Meeting rooms"), ("japanese_room", "和室",
         "Japanese-style rooms"), ("hall", "ホール", "Halls"), ("gym", "体育館", "Gyms"),
         ("studio", "練習室", "Studios"), ("court", "コート", "Courts")]


@router.get("/yoyaku")
async def booking_page(request: Request) -> Response:
    context = {"config": page_config(request.app.state.settings), "kinds": KINDS}
    return templates.TemplateResponse(request, "yoyaku.html", context)
