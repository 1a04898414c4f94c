"""What every OGC resource shares: base URL, links, content negotiation, JSON and HTML output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.errors import NotAcceptable
from api.security_headers import content_security_policy

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)
# Inline, allowed by its hash: the API's pages need no static files, so the API runs alone too.
OGC_CSS = Markup((TEMPLATES / "ogc.css").read_text(encoding="utf-8"))
templates.env.globals["ogc_css"] = OGC_CSS
HTML_POLICY = content_security_policy(styles=[OGC_CSS])


def base_url(request: Request) -> str:
    public = request.app.state.settings.public_url
    return (public or str(request.base_url)).rstrip("/")


def link(href: str, rel: str, media_type: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"href": href, "rel": rel, "type": media_type, "title": title, **extra}


def self_links(request: Request, json_type: str = JSON) -> list[dict[str, Any]]:
    """self + alternate links for the current URL in JSON and HTML."""
    as_json = str(request.url.include_query_params(f="json"))
    as_html = str(request.url.include_query_params(f="html"))
    html_wanted = wants_html(request)
    return [
        link(as_html if html_wanted else as_json, "self", HTML if html_wanted else json_type,
             "this document"),
        link(as_json if html_wanted else as_html, "alternate", json_type if html_wanted else HTML,
             "this document as JSON" if html_wanted else "this document as HTML"),
    ]


def wants_html(request: Request) -> bool:
    f = request.query_params.get("f")
    if f is not None:
        if f not in ("json", "html", "geojson"):
            raise NotAcceptable("f must be json or html", parameter="f")
        return f == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "json" not in accept.split(",")[0]


def json_response(content: Any, media_type: str = JSON, headers: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    return Response(orjson.dumps(content), media_type=media_type, headers=headers,
                    status_code=status_code)


def html_response(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    return templates.TemplateResponse(request, template, context,
                                      headers={"Content-Security-Policy": HTML_POLICY})


def render(request: Request, template: str, content: dict[str, Any],
           media_type: str = JSON, headers: dict[str, str] | None = None,
           html_extra: dict[str, Any] | None = None) -> Response:
    """The resource as HTML for browsers (or f=html), else as JSON. ``html_extra`` is context
    for the template only."""
    if wants_html(request):
        response = html_response(request, template, {"doc": content, **(html_extra or {})})
        response.headers.update(headers or {})
        return response
    return json_response(content, media_type, headers)
