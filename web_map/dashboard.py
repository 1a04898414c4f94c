"""The disaster officers' dashboard: the emergency switch, shelters, citizens' reports to
triage and (with the exposure analysis) people at risk. Opening it is audited."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api import audit
from api.auth.identity import IdentityDep
from api.errors import Forbidden
from gis_core.access import Role, may
from web_map.bousai import CATEGORY_TITLES
from web_map.pages import page_config, templates

router = APIRouter(include_in_schema=False)
PATH = "/disaster/dashboard"
OFFICERS = frozenset({Role.DISASTER_OFFICER})


@router.get(PATH)
async def dashboard_page(request: Request, identity: IdentityDep) -> Response:
    if identity is None:
        return RedirectResponse(f"/login?next={quote(PATH)}", status_code=303)
    if not may(OFFICERS, identity.roles):
        raise Forbidden("the dashboard is for disaster officers")
    await audit.record(request, "read", "disaster_dashboard")
    context = {"config": page_config(request.app.state.settings),
               "categories": CATEGORY_TITLES, "officer": identity.display_name}
    return templates.TemplateResponse(request, "dashboard.html", context)
