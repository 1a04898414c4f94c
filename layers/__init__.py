"""The municipal domains, each a folder that declares its ``DOMAIN`` (gis_core.domain).
Adding a domain is its folder and one line here."""

from __future__ import annotations

import importlib
from pathlib import Path

from gis_core.catalog import Catalog, catalog
from gis_core.domain import Domain, domain_folders
from layers import base, disaster, facilities

DOMAINS: tuple[Domain, ...] = (base.DOMAIN, facilities.DOMAIN, disaster.DOMAIN)


def migration_folders() -> list[Path]:
    """The registered domains' migrations folders, for gis_core.migrate."""
    return domain_folders(DOMAINS)


def load_catalog(extra_modules: list[str] | None = None) -> Catalog:
    """The domains' layers plus the ``LAYERS`` of each extra module, in a catalog of the
    caller's own (extra layers never leak into another app of the same process)."""
    for domain in DOMAINS:
        domain.load_catalog()
    found = catalog.copy()
    for module in extra_modules or []:
        found.register(*importlib.import_module(module).LAYERS)
    return found
