"""Routes of the pages and their static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.ogc import features

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)


def browser_wants_html(request: Request) -> bool:
    if "f" in request.query_params:
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept.split(",")[0]


@router.get("/")
async def home(request: Request) -> Response:
    if not browser_wants_html(request):
        return await features.landing(request)
    return templates.TemplateResponse(request, "map.html", {})


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    home_route = app.router.routes.pop()
    app.router.routes.insert(0, home_route)  # before the API's landing route
