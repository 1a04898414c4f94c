"""The smallest real domain, the one docs/adding-a-domain.md walks through: the city's service
counters (窓口) — a route that lists them, the nearest one in "this place", and search."""

from gis_core.domain import Domain

DOMAIN = Domain(
    name="counters",
    routers=("tests.domain_example.routes:router",),
    place_facts="tests.domain_example.place:facts",
    place_sentences="tests.domain_example.place:sentences",
    search=("tests.domain_example.place:COUNTER_SEARCH",),
    setup=("tests.domain_example.place:install",),
)
