"""The municipal domains. Importing a domain's ``catalog`` module publishes its layers."""

from __future__ import annotations

import importlib

from gis_core.catalog import Catalog, catalog

DOMAINS = ("base", "facilities", "disaster")


def load_catalog(extra_modules: list[str] | None = None) -> Catalog:
    """The domains' layers plus the ``LAYERS`` of each extra module, in a catalog of the
    caller's own (extra layers never leak into another app of the same process)."""
    for domain in DOMAINS:
        importlib.import_module(f"layers.{domain}.catalog")
    found = catalog.copy()
    for module in extra_modules or []:
        found.register(*importlib.import_module(module).LAYERS)
    return found
