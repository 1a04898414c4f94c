"""The whole application: the API (api.app) plus the pages and their static assets.

``/`` is shared: browsers asking for HTML get the citizen map, API clients (JSON, or any
explicit ``?f=``) get the OGC API landing page.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.engine import URL

from api.app import create_app as create_api_app
from gis_core.domain import Domain
from gis_core.settings import Settings
from layers import DOMAINS
from web_map import editor, exports, pages


def create_app(settings: Settings | None = None, url: URL | None = None,
               domains: tuple[Domain, ...] = DOMAINS) -> FastAPI:
    app = create_api_app(settings, url, domains)
    pages.install(app)
    app.include_router(exports.router)
    app.include_router(editor.router)
    for domain in domains:
        for router in domain.page_routers():
            app.include_router(router)
    return app
