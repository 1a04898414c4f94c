"""Public facilities, their rooms, bookings and the monthly lottery (施設予約・抽選)."""

from gis_core.domain import Domain

DOMAIN = Domain(
    name="facilities",
    catalog="layers.facilities.catalog",
    routers=("api.routes.bookings:router",),
    pages=("web_map.yoyaku:router", "web_map.kanri:router"),
    place_facts="layers.facilities.place:facts",
    place_sentences="layers.facilities.place:sentences",
    search=("layers.facilities.place:FACILITY_SEARCH",),
    commands=("layers.facilities.commands:add_parsers",),
    migrations="layers.facilities.migrations",
)
