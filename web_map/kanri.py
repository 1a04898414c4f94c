"""The facility staff's page (/yoyaku/kanri, 施設予約の管理): rooms and closed days, the monthly
lottery, the day's bookings and address verification. The page holds no data: it calls the
staff API with the session cookie. Visitors are sent to log in; other roles are refused."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.identity import IdentityDep
from api.errors import Forbidden
from api.routes.booking_deps import is_staff
from web_map.pages import browser_wants_html, page_config, templates
from web_map.yoyaku import KINDS

router = APIRouter(include_in_schema=False)
PATH = "/yoyaku/kanri"


@router.get(PATH)
async def staff_page(request: Request, identity: IdentityDep) -> Response:
    if identity is None:
        return RedirectResponse(f"/login?next={quote(PATH)}", status_code=303)
    config = page_config(request.app.state.settings)
    if not is_staff(identity):
        if not browser_wants_html(request):
            raise Forbidden("施設予約の管理画面は施設の職員専用です (facility staff only)")
        return templates.TemplateResponse(request, "kanri_forbidden.html", {"config": config},
                                          status_code=403)
    context = {"config": config, "kinds": KINDS, "staff": identity.display_name}
    return templates.TemplateResponse(request, "kanri.html", context)
