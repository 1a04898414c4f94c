"""The municipal domains. Importing a domain's ``catalog`` module publishes its layers."""

from __future__ import annotations

import importlib

from gis_core.catalog import Catalog, catalog

DOMAINS = ("base", "facilities", "disaster")


def load_catalog(extra_modules: list[str] | None = None) -> Catalog:
    for domain in DOMAINS:
        importlib.import_module(f"layers.{domain}.catalog")
    for module in extra_modules or []:
        importlib.import_module(module)
    return catalog
