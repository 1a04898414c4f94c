"""The OpenAPI document tells the truth (issue 11): valid as 3.1 and as 3.0, a success schema
and the real problem responses on every operation, no FastAPI 422 that is never sent, the
parameters routes read, and answers that match the documented schemas. OWSLib reads it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from owslib.ogcapi.features import Features

from api.openapi import (
    DEPENDENCY_PROBLEMS,
    OPENAPI_30,
    OPENAPI_31,
    OPERATIONS,
    _dependants,
    _qualified_name,
    api_routes,
)
from api.openapi_downgrade import downgrade, downgrade_schema
from tests.conftest import LiveServer

SUCCESS = ("200", "201", "204")
# The only operations that can answer 422: a rule violated (RuleViolation → Unprocessable),
# rows rejected on import, a point the routing cannot place.
REAL_422 = {
    ("GET", "/facilities/availability"), ("GET", "/rooms/{roomId}/calendar"),
    ("POST", "/rooms"), ("PATCH", "/rooms/{roomId}"), ("POST", "/bookings"),
    ("PATCH", "/bookings/{bookingId}"), ("POST", "/bookings/{bookingId}/cancel"),
    ("POST", "/waitlist"), ("POST", "/lottery/rounds"),
    ("POST", "/lottery/rounds/{roundId}/entries"), ("POST", "/lottery/rounds/{roundId}/draw"),
    ("POST", "/facilities/{facilityId}/suspensions"), ("POST", "/layers/import"),
    ("GET", "/evacuation/route"),
}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    from web_map.app import create_app

    return create_app()


@pytest.fixture(scope="module")
def doc(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


@pytest.fixture(scope="module")
def doc30(app: FastAPI) -> dict[str, Any]:
    return app.state.openapi_30()


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_both_documents_are_valid_openapi(doc: dict[str, Any], doc30: dict[str, Any]) -> None:
    validate(doc)
    validate(doc30)
    assert doc["openapi"].startswith("3.1") and doc30["openapi"] == "3.0.3"
    assert "anyOf" not in str(doc30["components"]["schemas"]["Profile"])  # nullable instead


def test_every_operation_is_in_the_table_and_the_table_has_no_stale_entry(
    doc: dict[str, Any],
) -> None:
    documented = {(method, path) for method, path, _ in operations(doc)}
    assert documented - OPERATIONS.keys() == set(), "add these to api.openapi.OPERATIONS"
    assert OPERATIONS.keys() - documented == set(), "these routes are gone"


def test_every_operation_has_a_success_response_with_a_schema(doc: dict[str, Any]) -> None:
    for method, path, operation in operations(doc):
        success = [operation["responses"][s] for s in SUCCESS if s in operation["responses"]]
        assert success, f"{method} {path} documents no success"
        if "content" not in success[0]:  # 204, logout, OPTIONS (Allow header)
            assert method in ("DELETE", "OPTIONS") or path == "/auth/logout", (method, path)
            continue
        for media_type, content in success[0]["content"].items():
            assert content["schema"], f"{method} {path} {media_type} has an empty schema"


def test_every_error_is_a_problem_and_503_is_everywhere(doc: dict[str, Any]) -> None:
    responses = doc["components"]["responses"]
    for name in responses:
        schema = responses[name]["content"]["application/problem+json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/Problem"}
    for method, path, operation in operations(doc):
        assert "503" in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["$ref"].startswith("#/components/responses/"), (method, path)
    problem = doc["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "instance", "invalid-params"} <= problem.keys()


def test_422_only_where_it_is_really_sent(doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(doc)
    with_422 = {(m, p) for m, p, op in operations(doc) if "422" in op["responses"]}
    assert with_422 == REAL_422


@pytest.mark.parametrize(("method", "path", "statuses"), [
    ("GET", "/audit", {"401", "403"}),
    ("PUT", "/emergency", {"400", "401", "403"}),
    ("POST", "/bookings", {"400", "401", "403", "409"}),
    ("POST", "/auth/login", {"400", "401", "429"}),
    ("GET", "/evacuation/isochrones", {"400", "404"}),
    ("POST", "/reports", {"413", "429"}),
    ("PUT", "/collections/{collectionId}/items/{featureId}", {"412", "413", "415", "428"}),
    ("GET", "/collections/{collectionId}/items", {"400", "404", "406"}),
    ("GET", "/rooms/{roomId}", {"404"}),
])
def test_statuses_a_route_sends_are_documented(doc: dict[str, Any], method: str, path: str,
                                               statuses: set[str]) -> None:
    assert statuses <= doc["paths"][path][method.lower()]["responses"].keys()


def test_public_reads_document_no_role_refusal(doc: dict[str, Any]) -> None:
    assert "403" not in doc["paths"]["/rooms"]["get"]["responses"]
    assert "401" not in doc["paths"]["/emergency"]["get"]["responses"]


def test_every_named_refusing_dependency_exists(app: FastAPI) -> None:
    """A renamed dependency would silently drop its 401/403 from the document."""
    used = {_qualified_name(d.call) for route in api_routes(app)
            for d in _dependants(route.dependant)}
    assert DEPENDENCY_PROBLEMS.keys() <= used


def parameters(doc: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    return {p["name"]: p for p in doc["paths"][path][method].get("parameters", [])}


def test_parameters_routes_read_are_declared(doc: dict[str, Any]) -> None:
    availability = parameters(doc, "/facilities/availability")
    assert {"start", "end", "lon", "lat", "radius", "kind", "chome"} <= availability.keys()
    assert availability["start"]["required"] and availability["end"]["required"]
    assert availability["radius"]["schema"]["anyOf"][0]["maximum"] == 50_000
    assert {"start", "end"} <= parameters(doc, "/rooms/{roomId}/calendar").keys()
    assert {"start", "end"} <= parameters(doc, "/rooms/{roomId}/bookings").keys()
    assert "day" in parameters(doc, "/staff/bookings")
    filters = parameters(doc, "/collections/{collectionId}/items")["properties"]
    assert filters["style"] == "form" and filters["explode"] is True


# --- 3.1 → 3.0 ------------------------------------------------------------------------------

@pytest.mark.parametrize(("schema", "expected"), [
    ({"anyOf": [{"type": "string"}, {"type": "null"}], "title": "T"},
     {"type": "string", "title": "T", "nullable": True}),
    ({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]},
     {"allOf": [{"$ref": "#/x"}], "nullable": True}),
    ({"type": ["string", "null"]}, {"type": "string", "nullable": True}),
    ({"type": ["string", "integer"]}, {"anyOf": [{"type": "string"}, {"type": "integer"}]}),
    ({"const": "Feature"}, {"enum": ["Feature"]}),
    ({"type": "string", "examples": ["a", "b"]}, {"type": "string", "example": "a"}),
    ({"type": "number", "exclusiveMinimum": 0},
     {"type": "number", "minimum": 0, "exclusiveMinimum": True}),
    ({"type": "string", "contentMediaType": "image/png"},
     {"type": "string", "format": "binary"}),
    ({"$ref": "#/x", "description": "d"}, {"allOf": [{"$ref": "#/x"}], "description": "d"}),
    ({"type": "array"}, {"type": "array", "items": {}}),
    ({"type": "object", "properties": {"a": {"type": ["integer", "null"]}},
      "$schema": "https://json-schema.org/draft/2020-12/schema"},
     {"type": "object", "properties": {"a": {"type": "integer", "nullable": True}}}),
])
def test_downgrade_schema(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    assert downgrade_schema(schema) == expected


def test_downgrade_leaves_the_31_document_as_it_was(doc: dict[str, Any]) -> None:
    before = copy.deepcopy(doc)
    downgraded = downgrade(doc)
    assert doc == before
    assert "summary" not in downgraded["info"] and downgraded["info"]["description"]


# --- served --------------------------------------------------------------------------------

@pytest.mark.parametrize(("accept", "query", "version", "media_type"), [
    ("", {}, "3.1", OPENAPI_31),
    (OPENAPI_31, {}, "3.1", OPENAPI_31),
    (OPENAPI_30, {}, "3.0", OPENAPI_30),
    (f"{OPENAPI_30}, application/json", {}, "3.0", OPENAPI_30),  # what GDAL asks
    ("application/json", {}, "3.1", "application/json"),
    ("", {"version": "3.0"}, "3.0", OPENAPI_30),
    ("application/json", {"version": "3.0", "f": "json"}, "3.0", "application/json"),
])
def test_api_negotiates_the_openapi_version(http: httpx.Client, accept: str, query: dict,
                                            version: str, media_type: str) -> None:
    response = http.get("/api", params=query, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.json()["openapi"].startswith(version)


def test_landing_page_links_both_documents(http: httpx.Client) -> None:
    links = [link for link in http.get("/").json()["links"] if link["rel"] == "service-desc"]
    assert {link["type"] for link in links} == {OPENAPI_31, OPENAPI_30}
    for link in links:
        assert http.get(link["href"], headers={"Accept": link["type"]}).headers[
            "content-type"] == link["type"]


@pytest.mark.clients
def test_owslib_reads_the_api_document(live_server: LiveServer) -> None:
    api = Features(live_server.url).api()
    assert api["openapi"] == "3.0.3"
    assert "/collections/{collectionId}/items" in api["paths"]


def response_schema(doc: dict[str, Any], path: str, status: str, media_type: str) -> Any:
    response = doc["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    schema = response["content"][media_type]["schema"]
    return Draft202012Validator({**schema, "components": doc["components"]})


ANSWERS = [
    ("/", "/", "200", "application/json"),
    ("/conformance", "/conformance", "200", "application/json"),
    ("/collections", "/collections", "200", "application/json"),
    ("/collections/roads", "/collections/{collectionId}", "200", "application/json"),
    ("/collections/roads/items?limit=3", "/collections/{collectionId}/items", "200",
     "application/geo+json"),
    ("/collections/roads/queryables", "/collections/{collectionId}/queryables", "200",
     "application/schema+json"),
    ("/tileMatrixSets", "/tileMatrixSets", "200", "application/json"),
    ("/tileMatrixSets/WebMercatorQuad", "/tileMatrixSets/{tileMatrixSetId}", "200",
     "application/json"),
    ("/tiles", "/tiles", "200", "application/json"),
    ("/tiles/WebMercatorQuad", "/tiles/{tileMatrixSetId}", "200", "application/json"),
    ("/tiles/WebMercatorQuad/tilejson.json", "/tiles/{tileMatrixSetId}/tilejson.json", "200",
     "application/json"),
    ("/collections/roads/tiles", "/collections/{collectionId}/tiles", "200",
     "application/json"),
    ("/rooms", "/rooms", "200", "application/json"),
    ("/rasters", "/rasters", "200", "application/json"),
    ("/emergency", "/emergency", "200", "application/json"),
    ("/lottery/rounds", "/lottery/rounds", "200", "application/json"),
    ("/search?q=%E5%B8%82", "/search", "200", "application/json"),
    ("/places/at?lon=139.4265&lat=35.7454", "/places/at", "200", "application/json"),
    ("/hazards/at?lon=139.4265&lat=35.7454", "/hazards/at", "200", "application/json"),
    ("/exposure", "/exposure", "200", "application/json"),
    ("/evacuation/route?lon=139.4265&lat=35.7454", "/evacuation/route", "200",
     "application/geo+json"),
    ("/facilities/availability?start=2030-01-07T09:00:00%2B09:00"
     "&end=2030-01-08T09:00:00%2B09:00", "/facilities/availability", "200",
     "application/json"),
    ("/collections/nowhere", "/collections/{collectionId}", "404",
     "application/problem+json"),
    ("/collections/roads/items?limit=0", "/collections/{collectionId}/items", "400",
     "application/problem+json"),
    ("/collections/roads?f=xml", "/collections/{collectionId}", "406",
     "application/problem+json"),
    ("/audit", "/audit", "401", "application/problem+json"),
]


@pytest.mark.parametrize(("url", "path", "status", "media_type"), ANSWERS)
def test_answers_match_their_documented_schema(http: httpx.Client, doc: dict[str, Any],
                                               url: str, path: str, status: str,
                                               media_type: str) -> None:
    response = http.get(url, headers={"Accept": "application/json"})
    assert response.status_code == int(status), response.text[:300]
    assert response.headers["content-type"].split(";")[0] == media_type
    errors_found = [e.message for e in response_schema(doc, path, status, media_type)
                    .iter_errors(response.json())]
    assert errors_found == []


def test_a_feature_matches_the_feature_schema(http: httpx.Client, doc: dict[str, Any]) -> None:
    feature_id = http.get("/collections/roads/items?limit=1").json()["features"][0]["id"]
    body = http.get(f"/collections/roads/items/{feature_id}").json()
    validator = response_schema(doc, "/collections/{collectionId}/items/{featureId}", "200",
                                "application/geo+json")
    assert [e.message for e in validator.iter_errors(body)] == []


def test_links_lead_from_what_is_created_to_the_operations_on_it(doc: dict[str, Any]) -> None:
    """For stateful clients (and tests/api/test_fuzz.py): each link names a real operation and
    fills every path parameter it has."""
    by_id = {op["operationId"]: op for _, _, op in operations(doc)}
    linked = 0
    for method, path, operation in operations(doc):
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                target = by_id[link["operationId"]]
                wanted = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
                assert wanted <= link["parameters"].keys(), (method, path, link)
                linked += 1
    assert linked >= 20
    put = parameters(doc, "/collections/{collectionId}/items/{featureId}", "put")
    assert put["If-Match"]["in"] == "header"
