"""Disaster-plan layers: shelters, hazards, evacuation and reports."""

from gis_core.domain import Domain

DOMAIN = Domain(
    name="disaster",
    catalog="layers.disaster.catalog",
    routers=("api.routes.emergency:router", "api.routes.disaster:router"),
    pages=("web_map.bousai:router", "web_map.dashboard:router"),
    place_facts="layers.disaster.place:facts",
    place_sentences="layers.disaster.place:sentences",
    search=("layers.disaster.place:SHELTER_SEARCH",),
    setup=("layers.disaster.emergency:install",),
    migrations="layers.disaster.migrations",
)
