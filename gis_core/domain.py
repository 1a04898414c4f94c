"""The domain contract: how a municipal domain (``layers/<name>/``) plugs into the platform.

Each domain's ``__init__.py`` declares one ``DOMAIN = Domain(...)``; ``layers/__init__.py``
lists the domains, and the application, "this place", search and the access matrix loop over
them. Like pygeoapi's provider plugins, the parts are named as ``"module:attribute"`` and
imported when used, so declaring a domain imports nothing heavy and no layer above this one.

A place contribution is an async function ``(conn, lon, lat, may_read) -> dict`` whose keys
join the ``/places/at`` answer; ``may_read(layer_id)`` says whether the caller may read a layer,
so a domain never shows what the caller's role may not see. A sentence function
``(place, lang) -> [(rank, sentence)]`` adds to the place's summary; the lowest ranks come first.
A search source is a ``SearchSource``: the layer it reads and ``find(conn, query, folded, limit)``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MayRead = Callable[[str], bool]
PlaceFacts = Callable[[Any, float, float, MayRead], Awaitable[dict[str, Any]]]
PlaceSentences = Callable[[dict[str, Any], str], list[tuple[int, str]]]
Find = Callable[[Any, str, str, int], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class SearchSource:
    """``find`` runs for callers who may read ``layer_id``; for everyone when it is None."""

    layer_id: str | None
    find: Find


@dataclass(frozen=True)
class Domain:
    """What one domain brings. Every part but the name is optional; each reference is
    ``"package.module:attribute"``."""

    name: str
    catalog: str | None = None
    """The module whose import registers the domain's layers."""
    routers: tuple[str, ...] = ()
    """API routers (each may carry its background tasks as a router lifespan)."""
    pages: tuple[str, ...] = ()
    """Routers of HTML pages and exports, mounted by the web application."""
    place_facts: str | None = None
    place_sentences: str | None = None
    search: tuple[str, ...] = ()
    """SearchSources, in the order their results are listed."""
    commands: tuple[str, ...] = ()
    """Functions ``(subparsers) -> None`` adding the domain's ``citygis`` commands; a command
    that can run without the database sets ``needs_database=lambda args: False``."""
    setup: tuple[str, ...] = ()
    """Functions ``(app) -> None`` run as the application is made: the state the domain keeps
    on ``app.state`` (its background tasks are its routers' lifespans)."""
    migrations: str | None = None
    """Where its Alembic revisions live: a package (``"layers.facilities.migrations"``) or an
    absolute folder path; its branch is labelled with the domain's name (gis_core.migrate)."""

    def load_catalog(self) -> None:
        if self.catalog:
            importlib.import_module(self.catalog)

    def api_routers(self) -> list[Any]:
        return [resolve(ref) for ref in self.routers]

    def page_routers(self) -> list[Any]:
        return [resolve(ref) for ref in self.pages]

    def add_commands(self, subparsers: Any) -> None:
        for ref in self.commands:
            resolve(ref)(subparsers)

    def set_up(self, app: Any) -> None:
        for ref in self.setup:
            resolve(ref)(app)

    def facts(self) -> PlaceFacts | None:
        return resolve(self.place_facts) if self.place_facts else None

    def sentences(self) -> PlaceSentences | None:
        return resolve(self.place_sentences) if self.place_sentences else None

    def search_sources(self) -> list[SearchSource]:
        return [resolve(ref) for ref in self.search]

    def migrations_folder(self) -> Path | None:
        if not self.migrations:
            return None
        if Path(self.migrations).is_absolute():
            return Path(self.migrations)
        spec = importlib.util.find_spec(self.migrations)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{self.name}: migrations {self.migrations!r} is no package")
        return Path(next(iter(spec.submodule_search_locations)))


@functools.cache  # the answers of /places/at and /search resolve their parts on every request
def resolve(reference: str) -> Any:
    """``"package.module:attribute"`` → the attribute."""
    module, _, attribute = reference.partition(":")
    if not attribute:
        raise ValueError(f"{reference!r} is not 'module:attribute'")
    return getattr(importlib.import_module(module), attribute)


def domain_folders(domains: Iterable[Domain]) -> list[Path]:
    """The migrations folders of ``domains`` (for gis_core.migrate)."""
    return [folder for domain in domains if (folder := domain.migrations_folder()) is not None]
