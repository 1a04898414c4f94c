"""Routes of the pages and their static files.

The front-end packages come from npm (``package.json``, installed by ``make``) and are served
from ``node_modules`` under ``/vendor/``: never a CDN, so the map works offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2.utils import htmlsafe_json_dumps

from api.ogc import features
from api.security_headers import content_security_policy
from gis_core.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).resolve().parent
NODE_MODULES = PROJECT_ROOT / "node_modules"
VENDOR = {  # URL path under /vendor/ → folder of an npm package, and a file it must have
    "maplibre-gl": (NODE_MODULES / "maplibre-gl" / "dist", "maplibre-gl.mjs"),
    "terra-draw": (NODE_MODULES / "terra-draw" / "dist", "terra-draw.module.js"),
    "terra-draw-maplibre-gl-adapter": (NODE_MODULES / "terra-draw-maplibre-gl-adapter" / "dist",
                                       "terra-draw-maplibre-gl-adapter.module.js"),
}
# The pages' modules import the kernel (web_map/static/lib/) as "lib/…" and npm packages by
# name (terra-draw's adapter imports maplibre-gl by name too): one import map in base.html, the
# same bytes on every page. Browsers read import maps inline only: its hash allows it.
IMPORT_MAP = htmlsafe_json_dumps({"imports": {
    "lib/": "/static/lib/",
    **{name: f"/vendor/{name}/{needed}" for name, (_folder, needed) in VENDOR.items()}}})
PAGE_POLICY = content_security_policy(scripts=[IMPORT_MAP])


class PageTemplates(Jinja2Templates):
    """The pages' templates: each extends base.html and is sent with the policy that allows
    its import map."""

    def TemplateResponse(self, *args: Any, **kwargs: Any) -> Response:
        response = super().TemplateResponse(*args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        return response


templates = PageTemplates(directory=HERE / "templates")
templates.env.globals["import_map"] = IMPORT_MAP
router = APIRouter(include_in_schema=False)


class FrontEndPackagesMissing(RuntimeError):
    """The npm packages the pages need are not installed."""


def browser_wants_html(request: Request) -> bool:
    if "f" in request.query_params:
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept.split(",")[0]


def page_config(settings: Settings) -> dict[str, Any]:
    """What the map's script needs to know from the server (put in the page as JSON)."""
    return {
        "cityNameJa": settings.city_name_ja,
        "cityNameEn": settings.city_name_en,
        "onlineBasemapUrl": settings.online_basemap_url,
    }


@router.get("/")
async def home(request: Request) -> Response:
    if not browser_wants_html(request):
        return await features.landing(request)
    settings: Settings = request.app.state.settings
    context = {
        "kiosk": request.query_params.get("kiosk") == "1",
        "config": page_config(settings),
        "city_name_ja": settings.city_name_ja,
    }
    return templates.TemplateResponse(request, "map.html", context)


def check_vendor() -> None:
    """Fail at start-up, with the fix, when ``npm ci`` has not been run."""
    missing = [name for name, (folder, needed) in VENDOR.items() if not (folder / needed).is_file()]
    if missing:
        raise FrontEndPackagesMissing(
            f"front-end packages missing from {NODE_MODULES}: {', '.join(missing)}. "
            "Run `make deps` (or `npm ci` in the project folder) to install them."
        )


def install(app: FastAPI) -> None:
    check_vendor()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for name, (folder, _needed) in VENDOR.items():
        app.mount(f"/vendor/{name}", StaticFiles(directory=folder), name=f"vendor-{name}")
    app.include_router(router)
    home_route = app.router.routes.pop()
    app.router.routes.insert(0, home_route)  # before the API's landing route
