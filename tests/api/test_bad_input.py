"""Bad input never breaks the server: every mistake is a 400 or 404 problem document (RFC 9457)
that names the offending parameter, and random query strings never cause a 5xx."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import LiveServer

PROBLEM = "application/problem+json"
ITEMS = "/collections/shelters/items"
TILE = "/collections/shelters/tiles/WebMercatorQuad"
EPSG_6677 = "http://www.opengis.net/def/crs/EPSG/0/6677"
PATH_PARAMETERS = {"collectionId", "featureId", "tileMatrixSetId", "tileMatrix", "tileRow",
                   "tileCol"}


def assert_problem(response: httpx.Response) -> dict[str, object]:
    assert response.headers["content-type"] == PROBLEM, response.text[:200]
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status_code
    assert isinstance(body["detail"], str) and body["detail"]
    return body


BAD_REQUESTS = [
    # (path, query, status, parameter named)
    ("/collections/nope", {}, 404, "collectionId"),
    ("/collections/nope/items", {}, 404, "collectionId"),
    ("/collections/nope/items/1", {}, 404, "collectionId"),
    (f"{ITEMS}/999999", {}, 404, "featureId"),
    (f"{ITEMS}/abc", {}, 404, "featureId"),
    (f"{ITEMS}/99999999999999999999", {}, 404, "featureId"),
    (ITEMS, {"bbox": "139.4,35.7,139.5"}, 400, "bbox"),
    (ITEMS, {"bbox": "a,b,c,d"}, 400, "bbox"),
    (ITEMS, {"bbox": "139.5,35.7,139.4,35.8"}, 400, "bbox"),
    (ITEMS, {"bbox": "NaN,35.7,139.5,35.8"}, 400, "bbox"),
    (ITEMS, {"bbox": "139.4,35.7,inf,35.8"}, 400, "bbox"),
    (ITEMS, {"bbox": "139.4,95,139.5,96"}, 400, "bbox"),
    (ITEMS, {"bbox": ""}, 400, "bbox"),
    (ITEMS, {"bbox": "1e400,0,0,0"}, 400, "bbox"),
    (ITEMS, {"limit": "0"}, 400, "limit"),
    (ITEMS, {"limit": "-1"}, 400, "limit"),
    (ITEMS, {"limit": "99999999999999999999"}, 400, "limit"),
    (ITEMS, {"limit": "abc"}, 400, "limit"),
    (ITEMS, {"offset": "-1"}, 400, "offset"),
    (ITEMS, {"crs": "EPSG:9999"}, 400, "crs"),
    (ITEMS, {"crs": ""}, 400, "crs"),
    (ITEMS, {"bbox": "139.4,35.7,139.5,35.8", "bbox-crs": "urn:nowhere"}, 400, "bbox-crs"),
    (ITEMS, {"bbox-crs": "urn:nowhere"}, 400, "bbox-crs"),
    (ITEMS, {"bbox": "35.7,139.4,35.8", "bbox-crs": EPSG_6677}, 400, "bbox"),
    (ITEMS, {"datetime": "yesterday"}, 400, "datetime"),
    (ITEMS, {"datetime": "2026-04-01T00:00:00"}, 400, "datetime"),
    (ITEMS, {"datetime": "2026-05-01T00:00:00Z/2026-04-01T00:00:00Z"}, 400, "datetime"),
    (ITEMS, {"datetime": "../.."}, 400, "datetime"),
    (ITEMS, {"datetime": ""}, 400, "datetime"),
    (ITEMS, {"datetime": "9999-12-31T23:59:59-23:59"}, 400, "datetime"),
    (ITEMS, {"datetime": "0001-01-01T00:00:00+14:00"}, 400, "datetime"),
    (ITEMS, {"colour": "red"}, 400, "colour"),
    (ITEMS, {"capacity": "many"}, 400, "capacity"),
    (ITEMS, {"capacity": "99999999999999999999"}, 400, "capacity"),
    (ITEMS, {"capacity": "1.5"}, 400, "capacity"),
    (ITEMS, {"is_designated_shelter": "yes"}, 400, "is_designated_shelter"),
    (ITEMS, {"updated_at": "2026-13-01T00:00:00Z"}, 400, "updated_at"),
    (ITEMS, {"filter": "capacity >"}, 400, "filter"),
    (ITEMS, {"f": "xml"}, 406, "f"),
    (f"{ITEMS}/1", {"crs": "EPSG:4326"}, 400, "crs"),
    (f"{ITEMS}/1", {"limit": "5"}, 400, "limit"),
    (f"{TILE}/23/0/0", {}, 404, "tileMatrix"),
    (f"{TILE}/-1/0/0", {}, 404, "tileMatrix"),
    (f"{TILE}/2/4/0", {}, 404, "tileRow"),
    (f"{TILE}/2/0/4", {}, 404, "tileCol"),
    (f"{TILE}/99999999999999999999/0/0", {}, 404, "tileMatrix"),
    (f"{TILE}/a/0/0", {}, 400, "tileMatrix"),
    (f"{TILE}/2/1.5/0", {}, 400, "tileRow"),
    (f"{TILE}/2/0/x", {}, 400, "tileCol"),
    (f"{TILE}/14/0/0", {"f": "json"}, 400, "f"),
    ("/collections/shelters/tiles/GoogleCRS84Quad/2/0/0", {}, 404, "tileMatrixSetId"),
    ("/tiles/NoSuchMatrixSet/2/0/0", {}, 404, "tileMatrixSetId"),
    ("/tiles/NoSuchMatrixSet", {}, 404, "tileMatrixSetId"),
    ("/tileMatrixSets/NoSuchMatrixSet", {}, 404, "tileMatrixSetId"),
    ("/tileMatrixSets", {"zoom": "3"}, 400, "zoom"),
    ("/tileMatrixSets/WebMercatorQuad", {"zoom": "3"}, 400, "zoom"),
    (TILE, {"bbox": "1,2,3,4"}, 400, "bbox"),
    ("/collections/shelters/tiles", {"z": "1"}, 400, "z"),
    (f"{TILE}/tilejson.json", {"minzoom": "3"}, 400, "minzoom"),
    ("/tiles", {"x": "1"}, 400, "x"),
    ("/tiles/WebMercatorQuad", {"x": "1"}, 400, "x"),
    ("/tiles/WebMercatorQuad/tilejson.json", {"x": "1"}, 400, "x"),
]


@pytest.mark.parametrize(("path", "query", "status", "parameter"), BAD_REQUESTS,
                         ids=[f"{p} {q}" for p, q, _, _ in BAD_REQUESTS])
def test_bad_request_is_a_problem_naming_the_parameter(
    http: httpx.Client, path: str, query: dict[str, str], status: int, parameter: str
) -> None:
    response = http.get(path, params=query)
    assert response.status_code == status, response.text[:300]
    body = assert_problem(response)
    assert body["invalid-params"][0]["name"] == parameter


def test_instance_is_the_path_as_a_uri_reference(http: httpx.Client) -> None:
    """Found by the fuzz: the decoded path (spaces, 漢字, control characters) is not a URI."""
    path = f"/collections/{quote('避難 所', safe='')}%0A%25"
    body = assert_problem(http.get(path))
    assert body["instance"] == path


def test_a_request_line_too_long_to_parse_is_a_problem_too(live_server: LiveServer) -> None:
    """Found by the fuzz: httptools cannot parse a request target over 64 KiB, so the app never
    sees it; uvicorn answered in plain text."""
    connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    try:
        connection.request("GET", f"{ITEMS}?filter={'%E9%81%BF' * 8000}")
        response = connection.getresponse()
        assert response.status == 400
        assert response.getheader("content-type") == PROBLEM
        assert json.loads(response.read())["status"] == 400
    finally:
        connection.close()


def test_valid_edge_values_still_answer(http: httpx.Client) -> None:
    """The checks above are not over-eager: the limits themselves and odd-but-valid forms."""
    for query in ({"limit": "1"}, {"limit": "10000"}, {"offset": "0"}, {"offset": "100000"},
                  {"bbox": "-180,-90,180,90"}, {"bbox": "139.4,35.7,0,139.5,35.8,100"},
                  {"datetime": "2000-01-01T00:00:00Z/.."}, {"capacity": "+500"},
                  {"crs": "[EPSG:6677]"}, {"is_designated_shelter": "TRUE"}):
        assert http.get(ITEMS, params=query).status_code == 200, query


# --- property-based: random query strings -------------------------------------------------

REAL_PARAMETERS = ["f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime", "filter",
                   "filter-lang", "filter-crs", "capacity", "is_designated_shelter", "name",
                   "updated_at"]
NUMBERS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=2**31 - 2, max_value=2**64).map(str),  # past int4 and int8
    st.integers(min_value=-(2**64), max_value=-(2**31) + 2).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0", "1e400", "-1e-400", "0x10", "1_0", "٣", "１２", "²", "NaN", "inf",
                     "2147483648", "9223372036854775808", "-9223372036854775809", str(10**40)]),
)
TIMESTAMPS = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:00{}".format,
    st.integers(1, 9999), st.integers(0, 13), st.integers(0, 32), st.integers(0, 24),
    st.integers(0, 60), st.sampled_from(["Z", "", "+09:00", "-23:59", "+14:00", "+25:00"]),
)
PIECES = st.one_of(
    NUMBERS,
    TIMESTAMPS,
    st.text(max_size=12),
    st.sampled_from(["", ",", "/", "..", ";", ":", "[EPSG:6677]", "EPSG:4326", "json", "html",
                     "http://www.opengis.net/def/crs/EPSG/0/4326", "true", "'", "\"", "\\",
                     "%", "\x00", "\u3000", "東大和", "capacity > 5", "cql2-json"]),
)
VALUES = st.one_of(
    PIECES,
    st.lists(PIECES, min_size=2, max_size=6).map(",".join),
    st.lists(PIECES, min_size=2, max_size=2).map("/".join),
    st.sampled_from(["%ZZ", "%00", "%FF%FE", "%E6%9D%B1", "%2C%2C", "a%26b%3Dc"]),
)
REAL_KEYS = st.sampled_from(REAL_PARAMETERS)
KEYS = REAL_KEYS | st.text(max_size=8)
# Pairs aimed at each parser, so that values reach it often.
NUMERIC_KEYS = st.sampled_from(["limit", "offset", "capacity", "is_sample"])
AIMED_PAIRS = st.one_of(
    st.tuples(NUMERIC_KEYS, NUMBERS),
    st.tuples(NUMERIC_KEYS, NUMBERS),
    st.tuples(st.sampled_from(["datetime", "updated_at"]),
              TIMESTAMPS | st.lists(TIMESTAMPS | st.just(".."), min_size=2, max_size=2)
              .map("/".join)),
    st.tuples(st.just("bbox"), st.lists(NUMBERS, min_size=3, max_size=7).map(",".join)),
    st.tuples(st.sampled_from(["crs", "bbox-crs", "filter-crs"]), PIECES),
    st.tuples(st.sampled_from(["is_designated_shelter", "is_sample", "f"]), PIECES),
)


def encode(text: str) -> str:
    """Percent-encode, but let a few raw separators and escapes through."""
    return quote(text, safe=",/:%[]")


def query_strings(pairs: st.SearchStrategy[tuple[str, str]], size: int) -> st.SearchStrategy[str]:
    return st.lists(pairs, max_size=size).map(
        lambda items: "&".join(f"{encode(k)}={encode(v)}" for k, v in items))


# Mostly known keys, so that values reach the parsers behind the unknown-parameter check.
QUERIES = st.one_of(query_strings(AIMED_PAIRS, 3), query_strings(st.tuples(REAL_KEYS, VALUES), 3),
                    query_strings(st.tuples(KEYS, VALUES), 4))
SEGMENTS = st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str),
                     NUMBERS, st.text(min_size=1, max_size=6))


def assert_no_server_error(response: httpx.Response, sent_keys: set[str]) -> None:
    assert response.status_code < 500, (response.url, response.text[:300])
    if response.status_code >= 400:
        body = assert_problem(response)
        for problem in body.get("invalid-params", []):
            assert problem["name"] in sent_keys | PATH_PARAMETERS, (response.url, body)


def sent_keys(response: httpx.Response) -> set[str]:
    return set(response.request.url.params.keys())


FUZZ = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(pairs=st.lists(AIMED_PAIRS, min_size=1, max_size=2))
def test_each_parser_survives_random_values(http: httpx.Client,
                                            pairs: list[tuple[str, str]]) -> None:
    """One or two parameters at a time, so that a bad value is not hidden by another's 400."""
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
    response = http.get(f"{ITEMS}?{query}")
    assert_no_server_error(response, sent_keys(response))


@FUZZ
@given(query=QUERIES,
       collection=st.sampled_from(["shelters", "shelters", "roads", "chome_areas", "nope"]))
def test_random_item_queries_never_fail_the_server(
    http: httpx.Client, query: str, collection: str
) -> None:
    response = http.get(f"/collections/{collection}/items?{query}")
    assert_no_server_error(response, sent_keys(response))


@FUZZ
@given(query=QUERIES, feature_id=SEGMENTS)
def test_random_feature_requests_never_fail_the_server(
    http: httpx.Client, query: str, feature_id: str
) -> None:
    response = http.get(f"{ITEMS}/{quote(feature_id, safe='')}?{query}")
    assert_no_server_error(response, sent_keys(response))


@FUZZ
@given(z=SEGMENTS, y=SEGMENTS, x=SEGMENTS, query=QUERIES,
       prefix=st.sampled_from(["/collections/shelters", "/collections/roads", ""]),
       tms=st.sampled_from(["WebMercatorQuad", "WorldCRS84Quad", "webmercatorquad"]))
def test_random_tile_requests_never_fail_the_server(
    http: httpx.Client, z: str, y: str, x: str, query: str, prefix: str, tms: str
) -> None:
    path = "/".join(quote(part, safe="") for part in (z, y, x))
    response = http.get(f"{prefix}/tiles/{tms}/{path}?{query}")
    assert_no_server_error(response, sent_keys(response))


@pytest.mark.parametrize("path", ["/collections", "/collections/shelters/items", "/places/at",
                                  "/tiles/WebMercatorQuad/14/6451/14540", "/login"])
def test_no_route_accepts_an_endless_parameter(http: httpx.Client, path: str) -> None:
    """Checked before the route runs, whether or not the route reads the parameter."""
    response = http.get(path, params={"name": "x" * 20_000})
    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "name"
    assert "longer than 1000 characters" in response.json()["detail"]
