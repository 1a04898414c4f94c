"""The domain contract: a domain is one folder that declares its DOMAIN, and the platform takes
every part of it from there — checked with the smallest real domain (tests/domain_example, the
one docs/adding-a-domain.md walks through) added beside the city's."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import URL

from cli.main import parser
from gis_core.domain import Domain, resolve
from layers import DOMAINS
from tests import domain_example
from tests.conftest import LiveServer
from web_map.app import create_app

HALL = (139.4265, 35.7454)


@pytest.fixture(scope="module")
def example(db_url: URL) -> Iterator[httpx.Client]:
    app = create_app(url=db_url, domains=(*DOMAINS, domain_example.DOMAIN))
    with LiveServer(db_url, app=app) as live, \
            httpx.Client(base_url=live.url, timeout=30) as client:
        yield client


def test_its_router_is_served(example: httpx.Client) -> None:
    counters = example.get("/counters").json()["counters"]
    assert [c["name"] for c in counters] == ["市民課 住民記録窓口", "上北台出張所"]


def test_it_says_what_is_at_a_place(example: httpx.Client) -> None:
    place = example.get("/places/at", params={"lon": HALL[0], "lat": HALL[1]}).json()
    assert place["nearest_counter"]["name"] == "市民課 住民記録窓口"
    assert place["nearest_counter"]["distance_m"] == 0
    assert place["summary_ja"].endswith("最寄りの窓口は市民課 住民記録窓口（本庁舎 1階）です。")
    assert "nearest_shelters" in place and "chome" in place  # the city's domains still speak


def test_it_is_searched(example: httpx.Client) -> None:
    results = example.get("/search", params={"q": "出張所"}).json()["results"]
    assert {r["name"] for r in results} >= {"上北台出張所"}


def test_the_city_without_it_knows_nothing_of_it(http: httpx.Client) -> None:
    place = http.get("/places/at", params={"lon": HALL[0], "lat": HALL[1]}).json()
    assert "nearest_counter" not in place
    assert http.get("/counters").status_code == 404


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_part_a_domain_names_exists(domain: Domain) -> None:
    references = [*domain.routers, *domain.pages, *domain.search, *domain.commands,
                  *domain.setup, *filter(None, (domain.place_facts, domain.place_sentences))]
    assert references
    for reference in references:
        assert resolve(reference) is not None, reference


def test_the_cli_takes_the_domains_commands() -> None:
    commands = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert {"lottery", "notify"} <= set(commands.choices)
