"""Base layers of the city: boundary, 町丁目, roads, rivers and water."""

from gis_core.domain import Domain

DOMAIN = Domain(
    name="base",
    catalog="layers.base.catalog",
    place_facts="layers.base.place:facts",
    place_sentences="layers.base.place:sentences",
    search=("layers.base.place:CHOME_SEARCH",),
    migrations="layers.base.migrations",
)
