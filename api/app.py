"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from sqlalchemy.engine import URL
from starlette.types import ASGIApp

from api import errors, openapi
from api.auth import routes as auth
from api.body_limits import ProblemFor413
from api.deps import bounded_query
from api.ogc import features, tiles, transactions
from api.routes import audit, layers, places
from api.security_headers import SecurityHeaders
from gis_core import user_layers
from gis_core.catalog import Catalog
from gis_core.database import create_pool, database_url
from gis_core.domain import Domain, domain_folders
from gis_core.events import Listener
from gis_core.migrate import check_current
from gis_core.settings import Settings, get_settings
from gis_core.tiles import TileCache
from gis_core.versions import LayerVersions
from layers import DOMAINS, load_catalog


class CityGisApi(FastAPI):
    """FastAPI with every 413 told as a problem document, and the security headers outermost,
    so that even the answer to an unexpected error carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(ProblemFor413(super().build_middleware_stack()))


def stale_tilesets(catalog: Catalog, layer_id: str) -> set[str]:
    """The cached tilesets a change of ``layer_id`` makes stale: its own, and the basemap only
    when the layer is drawn on it (a booking changes facility_availability many times a
    minute; the basemap's tiles stay cached)."""
    layer = catalog.get(layer_id)
    return {layer_id, tiles.BASEMAP_ID} if layer is None or layer.basemap else {layer_id}


def _refresh_user_layers(app: FastAPI, layer_id: str) -> None:
    """Another process created or dropped a planner's layer: re-read them (in the background)."""
    if not user_layers.is_user_layer(app.state.catalog, layer_id):
        return

    async def refresh() -> None:
        async with app.state.pool.acquire() as conn:
            await user_layers.refresh(app.state.catalog, conn)
        app.state.extents.clear()

    asyncio.get_running_loop().create_task(refresh())


def create_app(settings: Settings | None = None, url: URL | None = None,
               domains: tuple[Domain, ...] = DOMAINS) -> FastAPI:
    settings = settings or get_settings()
    url = url or database_url(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(check_current, url, domain_folders(domains))
        # one more connection than requests get: the process's listening connection
        app.state.pool = await create_pool(url, settings.db_pool_size + 1)
        await app.state.listener.start(app.state.pool)
        await app.state.versions.start(app.state.pool, app.state.listener)
        async with app.state.pool.acquire() as conn:
            await user_layers.refresh(app.state.catalog, conn)
        try:
            yield
        finally:
            await app.state.listener.stop()
            await app.state.pool.close()

    app = CityGisApi(
        title="citygis — 東大和市 地理空間情報 API",
        summary="OGC API – Features and Tiles over the city's PostGIS core",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load from a CDN; the platform works offline
        redoc_url=None,
        openapi_url="/openapi.json",
        dependencies=[Depends(bounded_query)],
        max_body_size=settings.max_body_bytes,
    )
    app.state.settings = settings
    app.state.domains = domains
    app.state.catalog = load_catalog(settings.extra_layer_modules)
    app.state.listener = Listener()
    app.state.versions = LayerVersions()
    app.state.tile_cache = TileCache(settings.tile_cache_bytes)
    app.state.extents = {}
    app.state.login_throttle = auth.LoginThrottle()
    app.state.login_backoff = auth.NameBackoff()
    app.state.versions.on_change(lambda layer_id: app.state.tile_cache.evict(
        stale_tilesets(app.state.catalog, layer_id)))
    app.state.versions.on_change(lambda layer_id: _refresh_user_layers(app, layer_id))
    errors.install(app)
    openapi.install(app)
    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=6)
    for router in (features.router, tiles.router, transactions.router, places.router,
                   auth.router, layers.router, audit.router):
        app.include_router(router)
    for domain in domains:
        domain.set_up(app)
        for router in domain.api_routers():
            app.include_router(router)
    return app
