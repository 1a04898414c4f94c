"""Every text attribute has a length limit, declared once in the catalog (``Field``) and
enforced three times from it: the API refuses longer values naming the property, the layer's
schema publishes ``maxLength``, and the database's CHECK refuses what any other writer sends."""

from __future__ import annotations

import re
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.engine import URL

from gis_core.catalog import TEXT_LENGTH, Layer
from layers import load_catalog
from tests.api.editing import Editing, editing_server
from tests.helpers import run_db

GEOJSON = {"Content-Type": "application/geo+json"}
LIMIT = re.compile(r"char_length\(\(?(\w+)\)?\) <= (\d+)")


def _stored_layers(url: URL) -> list[Layer]:
    tables = {r["relname"] for r in run_db(url, lambda c: c.fetch(
        "SELECT relname FROM pg_class WHERE relkind = 'r'"))}
    return [layer for layer in load_catalog([]) if layer.table in tables]


def _database_limits(url: URL, table: str) -> dict[str, int]:
    definitions = run_db(url, lambda c: c.fetch(
        "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype = 'c'", table))
    return {m[1]: int(m[2]) for r in definitions for m in LIMIT.finditer(r["d"])}


def test_every_text_attribute_has_the_catalogs_limit_in_the_database(db_url: URL) -> None:
    checked = 0
    for layer in _stored_layers(db_url):
        in_database = _database_limits(db_url, layer.table)
        for field in layer.fields:
            if field.type == "string" and field.expression is None:
                assert in_database.get(field.name) == field.length_limit, \
                    f"{layer.table}.{field.name}"
                checked += 1
    assert checked > 30


@pytest.fixture
def editing(fresh_db_url: URL) -> Iterator[Editing]:
    with editing_server(fresh_db_url) as server:
        yield server


def _facility(name: str) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.43, 35.745]},
            "properties": {"name": name, "kind": "community_center", "category_ja": "公民館",
                           "is_sample": True}}


def test_the_api_refuses_a_longer_name_and_stores_nothing(editing: Editing) -> None:
    planner = editing.client("planner1")
    before = editing.fetch("SELECT count(*) FROM facility")[0][0]
    for name in ("名" * (TEXT_LENGTH + 1), "x" * 1_000_000):
        refused = planner.post("/collections/facilities/items", json=_facility(name),
                               headers=GEOJSON)
        assert refused.status_code == 400, refused.text[:200]
        assert refused.json()["invalid-params"][0]["name"] == "properties.name"
        assert f"at most {TEXT_LENGTH} characters" in refused.json()["detail"]
    assert editing.fetch("SELECT count(*) FROM facility")[0][0] == before
    fits = planner.post("/collections/facilities/items", json=_facility("名" * TEXT_LENGTH),
                        headers=GEOJSON)
    assert fits.status_code == 201


def test_the_schema_publishes_the_limit(editing: Editing) -> None:
    schema = editing.client("officer").get("/collections/crowd_reports/schema").json()
    assert schema["properties"]["note"]["maxLength"] == 1000
    schema = editing.client("planner1").get("/collections/facilities/schema").json()
    assert schema["properties"]["name"]["maxLength"] == TEXT_LENGTH


def test_the_database_refuses_other_writers(editing: Editing) -> None:
    with pytest.raises(asyncpg.CheckViolationError):
        editing.fetch("UPDATE facility SET name = repeat('x', $1)", TEXT_LENGTH + 1)


def test_a_planners_layer_gets_the_limit_it_declares(editing: Editing) -> None:
    spec = {"id": "notice_boards", "geometry_type": "Point", "title_ja": "掲示板",
            "title_en": "Notice boards",
            "fields": [{"name": "name", "type": "string", "title_ja": "名称", "title_en": "Name"},
                       {"name": "memo", "type": "string", "title_ja": "メモ", "title_en": "Memo",
                        "max_length": 2000}]}
    planner = editing.client("planner1")
    assert planner.post("/layers", json=spec).status_code == 201
    assert _database_limits(editing.url, "ul_notice_boards") == {"name": TEXT_LENGTH,
                                                                 "memo": 2000}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.43, 35.745]},
               "properties": {"name": "掲示板", "memo": "m" * 2001}}
    refused = planner.post("/collections/notice_boards/items", json=feature, headers=GEOJSON)
    assert refused.status_code == 400
    assert refused.json()["invalid-params"][0]["name"] == "properties.memo"
