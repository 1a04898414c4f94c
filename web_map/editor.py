"""The planners' layer editor and the login page in front of it.

The editor speaks OGC API – Features Part 4 to the same routes QGIS uses; the page itself
holds no data. A visitor who is not signed in is sent to ``/login`` and back."""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.auth.identity import IdentityDep
from web_map.pages import page_config, templates

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None, default: str = "/editor") -> str:
    """Only a path on this site, never an open redirect: the target is read as a browser would
    (WHATWG URL parsing drops tabs and newlines and takes ``\\`` for ``/``), and must then
    stay on a made-up origin when resolved against it."""
    if not target:
        return default
    as_browser_reads = re.sub(r"[\t\n\r]", "", target).replace("\\", "/")
    if not as_browser_reads.startswith("/") or as_browser_reads.startswith("//") or \
            any(ord(c) < 0x20 or ord(c) == 0x7F for c in as_browser_reads):
        return default
    resolved = urlsplit(urljoin("https://origin.invalid/", as_browser_reads))
    if resolved.netloc != "origin.invalid":
        return default
    return urlunsplit(("", "", resolved.path, resolved.query, resolved.fragment))


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    target = safe_next(next)
    citizen = target.startswith("/yoyaku") and not target.startswith("/yoyaku/kanri")
    context = {"config": page_config(request.app.state.settings), "next": target,
               "title_key": "citizenLoginTitle" if citizen else "loginTitle"}
    return templates.TemplateResponse(request, "login.html", context)


@router.get("/editor")
async def editor_page(request: Request, identity: IdentityDep) -> Response:
    if identity is None:
        return RedirectResponse(f"/login?next={quote('/editor')}", status_code=303)
    context = {"config": page_config(request.app.state.settings)}
    return templates.TemplateResponse(request, "editor.html", context)
