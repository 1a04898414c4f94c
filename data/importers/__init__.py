"""Importers for the open data a Japanese city receives: GSI shelters (CSV), 国土数値情報 P02
public facilities, A31 flood zones and A33 土砂災害警戒区域, OpenStreetMap roads, e-Stat 小地域
boundaries; flood-depth GeoTIFFs (``citygis import flood-depth``, data.importers.hazards).

Each importer is ``(conn, path, *, city_code=None) -> ImportReport``: it validates every row
(rejected rows come back with their number and reason), reprojects to EPSG:4326 and replaces
the layer's rows and provenance in one transaction — or raises ``ImportFailed`` and writes
nothing.
"""

from __future__ import annotations

from data.importers.base import Importer, ImportFailed, ImportReport
from data.importers.estat import import_estat_chome
from data.importers.gsi_shelters import import_gsi_shelters
from data.importers.hazards import import_a33
from data.importers.ksj import import_a31, import_p02
from data.importers.osm_roads import import_osm_roads

IMPORTERS: dict[str, Importer] = {
    "gsi-shelters": import_gsi_shelters,
    "ksj-p02": import_p02,
    "ksj-a31": import_a31,
    "ksj-a33": import_a33,
    "osm-roads": import_osm_roads,
    "estat-chome": import_estat_chome,
}

__all__ = ["IMPORTERS", "ImportFailed", "ImportReport", "Importer"]
