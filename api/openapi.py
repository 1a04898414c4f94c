"""The OpenAPI document, as the API really behaves. FastAPI writes the paths and parameters;
this module gives every operation its success content (``OPERATIONS``) and the problem
responses it can send: 503 always (the database is unreachable), 400 where parameters or a
body are read, 404 where the path names something, 401/403 where a dependency checks the
caller (``DEPENDENCY_PROBLEMS``), and the route's own in ``OPERATIONS``. FastAPI's default
422 "Validation Error" is never sent (api.errors answers 400/404) and is removed. The same
document is served as OpenAPI 3.0 by ``api.openapi_downgrade``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.errors import PROBLEM_MEDIA_TYPE
from api.openapi_downgrade import downgrade
from api.openapi_schemas import (
    ANY_OBJECT,
    BINARY,
    COMPONENTS,
    HTML_PAGE,
    INTEGER,
    NUMBER,
    STRING,
    Schema,
    array,
    listing,
    obj,
    ref,
)

OPENAPI_31 = "application/vnd.oai.openapi+json;version=3.1"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
SCHEMA_JSON, NDJSON = "application/schema+json", "application/x-ndjson"
MULTIPART = "multipart/form-data"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PROBLEM_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "A parameter or the body is invalid; `invalid-params` names it"),
    401: ("Unauthorized", "Log in, or send a valid bearer token"),
    403: ("Forbidden", "Your role may not do this (or the CSRF token is missing)"),
    404: ("NotFound", "Nothing at this path, or nothing you may see"),
    406: ("NotAcceptable", "`f` asks for a format this resource does not have"),
    409: ("Conflict", "The current state forbids it"),
    412: ("PreconditionFailed", "The feature changed since the version in If-Match"),
    413: ("ContentTooLarge", "The body is too large"),
    415: ("UnsupportedMediaType", "The body's Content-Type is not accepted here"),
    422: ("UnprocessableContent", "Well-formed, but against a rule"),
    428: ("PreconditionRequired", "Send If-Match with the version you read"),
    429: ("TooManyRequests", "Too many attempts; see Retry-After"),
    503: ("ServiceUnavailable", "The database is unreachable; try again shortly"),
}

# Dependencies that refuse callers, by qualified name (closures included).
DEPENDENCY_PROBLEMS: dict[str, tuple[int, ...]] = {
    "api.auth.identity.current_identity": (401,),  # an unknown or malformed bearer token
    "api.auth.identity.signed_in": (401,),
    "api.auth.identity.holding.<locals>.check": (403,),
    "api.routes.booking_deps.requires.<locals>.check": (403,),
    "api.deps.readable_layer": (401, 403, 404),
    "api.ogc.editing.editor": (401, 403, 404),
    "api.routes.disaster.officer": (403,),
    "api.routes.audit.admin": (403,),
}
CSRF_CHECK = "api.auth.identity.current_identity"  # 403 on unsafe methods with a session


class Op(NamedTuple):
    """An operation's success content by media type (None: no body), its own problems, and
    the request body it reads itself (FastAPI sees no body parameter there)."""

    content: dict[str, Schema] | None
    problems: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()
    body: dict[str, Schema] | None = None

    def reading(self, body: dict[str, Schema]) -> Op:
        return self._replace(body=body)


def json_doc(schema: Schema, *problems: int, media_type: str = JSON) -> Op:
    return Op({media_type: schema}, problems)


def ogc_doc(schema: Schema, *problems: int, media_type: str = JSON) -> Op:
    """A resource in JSON or, with f=html or a browser's Accept, HTML (406 for another f)."""
    return Op({media_type: schema, HTML: HTML_PAGE}, (406, *problems))


def file_doc(*media_types: str, problems: tuple[int, ...] = ()) -> Op:
    return Op(dict.fromkeys(media_types, BINARY), problems)


def empty(*problems: int, headers: tuple[str, ...] = ()) -> Op:
    return Op(None, problems, headers)


FEATURE, FEATURES = ref("Feature"), ref("FeatureCollection")
EDIT = (400, 409, 413, 415)  # a feature body: invalid, a unique value taken, too large, not JSON
VERSIONED = (412, 428)  # If-Match
BOOKING, ROOM, ROUND = ref("Booking"), ref("Room"), ref("LotteryRound")
TILE = file_doc("application/vnd.mapbox-vector-tile")
DATE_TIME = {"type": "string", "format": "date-time"}

OPERATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/"): ogc_doc(ref("LandingPage")),
    ("GET", "/conformance"): ogc_doc(ref("Conformance")),
    ("GET", "/collections"): ogc_doc(ref("Collections")),
    ("GET", "/collections/{collectionId}"): ogc_doc(ref("Collection")),
    ("GET", "/collections/{collectionId}/queryables"):
        json_doc(ref("JsonSchema"), media_type=SCHEMA_JSON),
    ("GET", "/collections/{collectionId}/items"): ogc_doc(FEATURES, media_type=GEOJSON),
    ("POST", "/collections/{collectionId}/items"):
        json_doc(FEATURE, *EDIT, media_type=GEOJSON).reading({GEOJSON: FEATURE}),
    ("OPTIONS", "/collections/{collectionId}/items"): empty(headers=("Allow",)),
    ("GET", "/collections/{collectionId}/items/{featureId}"): ogc_doc(FEATURE,
                                                                      media_type=GEOJSON),
    ("PUT", "/collections/{collectionId}/items/{featureId}"):
        json_doc(FEATURE, *EDIT, *VERSIONED, media_type=GEOJSON).reading({GEOJSON: FEATURE}),
    ("PATCH", "/collections/{collectionId}/items/{featureId}"):
        json_doc(FEATURE, *EDIT, *VERSIONED, media_type=GEOJSON).reading(
            {"application/merge-patch+json": ANY_OBJECT, GEOJSON: ANY_OBJECT}),
    ("DELETE", "/collections/{collectionId}/items/{featureId}"): empty(*VERSIONED),
    ("OPTIONS", "/collections/{collectionId}/items/{featureId}"): empty(headers=("Allow",)),
    ("GET", "/collections/{collectionId}/items/{featureId}/versions"):
        json_doc(obj("featureId", "versions", "links", featureId=INTEGER,
                     versions=array(ANY_OBJECT), links=array(ref("Link"))), 406),
    ("GET", "/collections/{collectionId}/items/{featureId}/versions/{version}"):
        json_doc(FEATURE, 406, media_type=GEOJSON),
    ("POST", "/collections/{collectionId}/items/{featureId}/revert"):
        json_doc(FEATURE, 409, *VERSIONED, media_type=GEOJSON),
    ("GET", "/collections/{collectionId}/schema"):
        json_doc(ref("JsonSchema"), media_type=SCHEMA_JSON),
    ("GET", "/collections/{collectionId}/export"):
        Op({"application/geopackage+sqlite3": BINARY, GEOJSON: FEATURES, "text/csv": STRING}),
    ("GET", "/collections/{collectionId}/map.html"): Op({HTML: HTML_PAGE}),
    ("GET", "/tileMatrixSets"): json_doc(ref("TileMatrixSets")),
    ("GET", "/tileMatrixSets/{tileMatrixSetId}"): json_doc(ref("TileMatrixSet")),
    ("GET", "/collections/{collectionId}/tiles"): ogc_doc(ref("TileSets")),
    ("GET", "/collections/{collectionId}/tiles/{tileMatrixSetId}"): json_doc(ref("TileSet")),
    ("GET", "/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json"):
        json_doc(ref("TileJSON")),
    ("GET", "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/"
            "{tileCol}"): TILE,
    ("GET", "/tiles"): ogc_doc(ref("TileSets")),
    ("GET", "/tiles/{tileMatrixSetId}"): json_doc(ref("TileSet")),
    ("GET", "/tiles/{tileMatrixSetId}/tilejson.json"): json_doc(ref("TileJSON")),
    ("GET", "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"): TILE,
    ("GET", "/places/at"): json_doc(obj("lon", "lat", "inside_city", "nearest_facilities",
                                        "nearest_shelters", "hazards")),
    ("GET", "/search"): json_doc(listing("results", query=STRING)),
    ("POST", "/auth/login"): json_doc(ref("Identity"), 401, 429),  # 401: wrong password
    ("POST", "/auth/logout"): empty(),  # 204
    ("GET", "/auth/me"): json_doc(ref("Identity")),
    ("GET", "/emergency"): json_doc(obj("active", active={"type": "boolean"})),
    ("PUT", "/emergency"): json_doc(obj("active", active={"type": "boolean"})),
    ("POST", "/reports"): json_doc(obj("id", id=INTEGER), 400, 413, 415, 429).reading(
        {MULTIPART: obj("lon", "lat", "category", lon=NUMBER, lat=NUMBER, category=STRING,
                        note=STRING, photo=BINARY)}),
    ("GET", "/reports"): json_doc(listing("reports")),
    ("PATCH", "/reports/{reportId}"): json_doc(obj("id", id=INTEGER), 409),
    ("GET", "/reports/{reportId}/photo"): file_doc("image/jpeg"),
    ("POST", "/layers"): json_doc(obj("id", "table", id=STRING, table=STRING), 409),
    ("DELETE", "/layers/{layerId}"): empty(409),
    ("POST", "/layers/import"): Op({JSON: obj("id", id=STRING), NDJSON: STRING},
                                   (400, 409, 413, 415, 422)).reading(
        {MULTIPART: obj("file", "id", "title_ja", file=BINARY, id=STRING, title_ja=STRING,
                        crs=STRING, encoding=STRING,
                        on_error={"type": "string", "enum": ["reject_file", "skip_rows"]})}),
    ("GET", "/audit"): ogc_doc(listing("entries", reader=STRING)),
    ("GET", "/rasters"): json_doc(listing("rasters", ref("Raster"))),
    ("GET", "/rasters/{rasterId}"): json_doc(ref("Raster")),
    ("PUT", "/rasters/{rasterId}"):
        json_doc(ref("Raster"), 413, 415).reading({"image/tiff": BINARY}),
    ("GET", "/rasters/{rasterId}/legend"): json_doc(obj("raster", "classes")),
    ("GET", "/rasters/{rasterId}/tiles/WebMercatorQuad/tilejson.json"):
        json_doc(ref("TileJSON")),
    ("GET", "/rasters/{rasterId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"):
        file_doc("image/png"),
    ("GET", "/hazards/at"): json_doc(listing("hazards", lon={}, lat={})),
    ("PATCH", "/shelters/{shelterId}"): json_doc(obj("id", id=INTEGER), 409),
    ("GET", "/shelters/events"): Op({"text/event-stream": STRING}),
    ("GET", "/evacuation/route"): json_doc(FEATURE, 422, media_type=GEOJSON),
    ("GET", "/evacuation/isochrones"): json_doc(FEATURES, 404, media_type=GEOJSON),  # shelter
    ("GET", "/exposure"): Op({JSON: obj("totals", "chome"), "text/csv": STRING,
                              "application/geopackage+sqlite3": BINARY},
                             (403,)),  # by=shelter is for disaster officers
    ("GET", "/exposure/map.html"): Op({HTML: HTML_PAGE}),
    ("GET", "/facilities/availability"): Op({JSON: listing("rooms", start={}, end={},
                                                           numberMatched=INTEGER),
                                             GEOJSON: FEATURES}, (422,)),
    ("GET", "/rooms"): json_doc(listing("rooms", ROOM)),
    ("POST", "/rooms"): json_doc(ROOM, 404, 409, 422),  # 404: facility_id names none
    ("GET", "/rooms/{roomId}"): json_doc(ROOM),
    ("PATCH", "/rooms/{roomId}"): json_doc(ROOM, 409, 422),
    ("DELETE", "/rooms/{roomId}"): json_doc(ANY_OBJECT),
    ("GET", "/rooms/{roomId}/calendar"): json_doc(listing("days"), 422),
    ("POST", "/rooms/{roomId}/closures"): json_doc(ROOM, 409),
    ("DELETE", "/rooms/{roomId}/closures/{day}"): json_doc(ROOM),
    ("GET", "/rooms/{roomId}/bookings"): json_doc(listing(  # the room's id once, not per item
        "bookings", obj("id", "status", "start", "end", id=INTEGER, status=STRING,
                        start=DATE_TIME, end=DATE_TIME), room_id=INTEGER)),
    ("GET", "/staff/rooms"): json_doc(listing("rooms", ROOM)),
    ("GET", "/staff/bookings"): json_doc(listing("bookings", BOOKING, day=STRING)),
    ("GET", "/staff/citizens/pending"): json_doc(listing("citizens")),
    ("POST", "/citizens/{userId}/verify"): json_doc(ref("Profile")),
    ("POST", "/facilities/{facilityId}/suspensions"): json_doc(obj("id", id=INTEGER), 422),
    ("POST", "/suspensions/{suspensionId}/lift"): json_doc(obj("id", id=INTEGER)),
    ("POST", "/bookings"): json_doc(BOOKING, 404, 409, 422),  # 404: room_id names none
    ("GET", "/bookings/{bookingId}"): json_doc(BOOKING),
    ("PATCH", "/bookings/{bookingId}"): json_doc(BOOKING, 409, 422),
    ("POST", "/bookings/{bookingId}/cancel"): json_doc(BOOKING, 409, 422),
    ("POST", "/bookings/{bookingId}/confirm"): json_doc(BOOKING, 409),
    ("GET", "/me/bookings"): json_doc(listing("bookings", BOOKING)),
    ("POST", "/waitlist"): json_doc(obj("id", id=INTEGER), 404, 409, 422),
    ("GET", "/me/waitlist"): json_doc(listing("entries")),
    ("DELETE", "/waitlist/{entryId}"): json_doc(obj("id", id=INTEGER)),
    ("GET", "/me/profile"): json_doc(ref("Profile")),
    ("PUT", "/me/profile"): json_doc(ref("Profile")),
    ("GET", "/lottery/rounds"): json_doc(listing("rounds", ROUND)),
    ("POST", "/lottery/rounds"): json_doc(ROUND, 409, 422),
    ("GET", "/lottery/rounds/{roundId}"): json_doc(ROUND),
    ("GET", "/lottery/rounds/{roundId}/slots"): json_doc(listing("slots", round_id=INTEGER)),
    ("POST", "/lottery/rounds/{roundId}/entries"): json_doc(obj("id"), 403, 409, 422),
    ("GET", "/me/lottery/entries"): json_doc(listing("entries")),
    ("POST", "/lottery/rounds/{roundId}/draw"): json_doc(ROUND, 409, 422),
    ("POST", "/lottery/rounds/{roundId}/reveal"): json_doc(ROUND, 409),
    ("GET", "/lottery/rounds/{roundId}/results"): json_doc(ANY_OBJECT),
}
"""Every documented operation: what it answers, and the problems only its own code sends."""

PROPERTY_FILTERS = {
    "name": "properties", "in": "query", "required": False, "style": "form", "explode": True,
    "description": "Equality filters on the collection's queryable properties, e.g. "
                   "`kind=primary` (see /collections/{collectionId}/queryables); each is "
                   "checked against the property's type",
    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
}
IF_MATCH = {
    "name": "If-Match", "in": "header", "required": False, "schema": STRING,
    "description": "The ETag of the version you read (`\"v3\"`); without it a change is "
                   "refused (428) unless the feature is unchanged since you could know it",
}
FEATURE_PATH = "/collections/{collectionId}/items/{featureId}"
EXTRA_PARAMETERS = {
    ("GET", "/collections/{collectionId}/items"): [PROPERTY_FILTERS],
    **{(method, FEATURE_PATH): [IF_MATCH] for method in ("PUT", "PATCH", "DELETE")},
    ("POST", f"{FEATURE_PATH}/revert"): [IF_MATCH],
}
"""Parameters a route reads by name (the filters depend on the collection)."""

BODY_ID = "$response.body#/id"
FEATURE_LINK = {"collectionId": "$request.path.collectionId", "featureId": BODY_ID}
VERSIONED_LINK = {**FEATURE_LINK, "header.If-Match": "$response.header.ETag"}
LINKS: dict[tuple[str, str], dict[str, tuple[str, str, dict[str, str]]]] = {
    ("POST", "/collections/{collectionId}/items"): {
        "GetFeature": ("GET", FEATURE_PATH, FEATURE_LINK),
        "ReplaceFeature": ("PUT", FEATURE_PATH, VERSIONED_LINK),
        "PatchFeature": ("PATCH", FEATURE_PATH, VERSIONED_LINK),
        "DeleteFeature": ("DELETE", FEATURE_PATH, VERSIONED_LINK),
        "FeatureVersions": ("GET", f"{FEATURE_PATH}/versions", FEATURE_LINK),
    },
    ("POST", "/bookings"): {
        "GetBooking": ("GET", "/bookings/{bookingId}", {"bookingId": BODY_ID}),
        "ChangeBooking": ("PATCH", "/bookings/{bookingId}", {"bookingId": BODY_ID}),
        "CancelBooking": ("POST", "/bookings/{bookingId}/cancel", {"bookingId": BODY_ID}),
        "ConfirmBooking": ("POST", "/bookings/{bookingId}/confirm", {"bookingId": BODY_ID}),
    },
    ("POST", "/rooms"): {
        "GetRoom": ("GET", "/rooms/{roomId}", {"roomId": BODY_ID}),
        "ChangeRoom": ("PATCH", "/rooms/{roomId}", {"roomId": BODY_ID}),
        "RoomCalendar": ("GET", "/rooms/{roomId}/calendar", {"roomId": BODY_ID}),
        "CloseRoom": ("POST", "/rooms/{roomId}/closures", {"roomId": BODY_ID}),
        "RoomBookings": ("GET", "/rooms/{roomId}/bookings", {"roomId": BODY_ID}),
        "DeleteRoom": ("DELETE", "/rooms/{roomId}", {"roomId": BODY_ID}),
    },
    ("POST", "/lottery/rounds"): {
        "GetRound": ("GET", "/lottery/rounds/{roundId}", {"roundId": BODY_ID}),
        "RoundSlots": ("GET", "/lottery/rounds/{roundId}/slots", {"roundId": BODY_ID}),
        "EnterRound": ("POST", "/lottery/rounds/{roundId}/entries", {"roundId": BODY_ID}),
        "DrawRound": ("POST", "/lottery/rounds/{roundId}/draw", {"roundId": BODY_ID}),
        "RevealRound": ("POST", "/lottery/rounds/{roundId}/reveal", {"roundId": BODY_ID}),
        "RoundResults": ("GET", "/lottery/rounds/{roundId}/results", {"roundId": BODY_ID}),
    },
    ("POST", "/waitlist"): {
        "LeaveWaitlist": ("DELETE", "/waitlist/{entryId}", {"entryId": BODY_ID}),
    },
    ("POST", "/layers"): {
        "DeleteLayer": ("DELETE", "/layers/{layerId}", {"layerId": BODY_ID}),
    },
}
"""OpenAPI links from what an operation creates to the operations on it (stateful clients
and tests/api/test_fuzz.py follow them): name → (method, path, parameters)."""


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _qualified_name(call: Any) -> str:
    return f"{getattr(call, '__module__', '')}.{getattr(call, '__qualname__', '')}"


def _calls_reject_unknown(dependant: Dependant) -> bool:
    code = getattr(dependant.call, "__code__", None)
    return code is not None and "reject_unknown_parameters" in code.co_names


def inferred_problems(route: APIRoute, method: str) -> set[int]:
    """The problems a route's parameters and dependencies can send."""
    statuses = {503}
    for dependant in _dependants(route.dependant):
        name = _qualified_name(dependant.call)
        statuses.update(DEPENDENCY_PROBLEMS.get(name, ()))
        if name == CSRF_CHECK and method in UNSAFE_METHODS:
            statuses.add(403)
        if (dependant.query_params or dependant.header_params or dependant.body_params
                or _calls_reject_unknown(dependant)):
            statuses.add(400)
        if dependant.path_params:
            statuses.add(404)
        if any(not p.alias.endswith("Id") for p in dependant.path_params):
            statuses.add(400)  # api.errors: only a malformed id is a 404
    return statuses


def _problem_response(status: int) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/{PROBLEM_RESPONSES[status][0]}"}


def _success(op: Op, status: str, responses: dict[str, Any]) -> None:
    response = responses.setdefault(status, {"description": "Successful Response"})
    response.pop("content", None)
    if op.content is not None:
        response["content"] = {media: {"schema": schema} for media, schema in op.content.items()}
    for header in op.headers:
        response.setdefault("headers", {})[header] = {"schema": STRING}


def document_operation(operation: dict[str, Any], route: APIRoute, method: str) -> None:
    op = OPERATIONS.get((method, route.path_format))
    if op is None:
        return  # tests/test_openapi.py fails on an undocumented operation
    responses = operation["responses"]
    responses.pop("422", None)
    extra = EXTRA_PARAMETERS.get((method, route.path_format), [])
    operation.setdefault("parameters", []).extend(extra)
    if not operation["parameters"]:
        del operation["parameters"]
    if op.body is not None:
        content = {media: {"schema": schema} for media, schema in op.body.items()}
        operation["requestBody"] = {"required": True, "content": content}
    _success(op, str(route.status_code or 200), responses)
    for status in sorted(inferred_problems(route, method) | set(op.problems)):
        responses[str(status)] = _problem_response(status)


def _components(doc: dict[str, Any]) -> None:
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas.update(COMPONENTS)
    components["responses"] = {
        name: {"description": description,
               "content": {PROBLEM_MEDIA_TYPE: {"schema": ref("Problem")}}}
        for name, description in PROBLEM_RESPONSES.values()
    }


def _link(doc: dict[str, Any]) -> None:
    """``LINKS`` on the success response of each creating operation, by operationId."""
    def operation_id(method: str, path: str) -> str:
        return str(doc["paths"][path][method.lower()]["operationId"])

    for (method, path), links in LINKS.items():
        responses = doc["paths"][path][method.lower()]["responses"]
        success = min(status for status in responses if status.startswith("2"))
        responses[success]["links"] = {
            name: {"operationId": operation_id(target_method, target), "parameters": parameters}
            for name, (target_method, target, parameters) in links.items()}


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """The app's API routes, with the prefixes of the routers that include them."""
    iter_route_contexts = getattr(routing, "iter_route_contexts", None)
    if iter_route_contexts is None:  # FastAPI before routes were wrapped in contexts
        yield from (r for r in app.routes if isinstance(r, APIRoute))
        return
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context  # an APIRoute-like view: path_format, methods, dependant …


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary,
                      description=app.description, routes=app.routes)
    _components(doc)
    for route in api_routes(app):
        if route.include_in_schema:
            for method in sorted(route.methods):
                operation = doc["paths"][route.path_format][method.lower()]
                document_operation(operation, route, method)
    _link(doc)
    return doc


def install(app: FastAPI) -> None:
    """``app.openapi()`` gives the 3.1 document, ``app.state.openapi_30()`` the 3.0 one;
    each is built once (routes are all included when it is first asked for)."""
    cache: dict[str, dict[str, Any]] = {}

    def openapi_31() -> dict[str, Any]:
        if "3.1" not in cache:
            cache["3.1"] = build(app)
        return cache["3.1"]

    def openapi_30() -> dict[str, Any]:
        if "3.0" not in cache:
            cache["3.0"] = downgrade(openapi_31())
        return cache["3.0"]

    app.openapi = openapi_31  # type: ignore[method-assign]
    app.state.openapi_30 = openapi_30


def wanted_version(accept: str, version: str | None) -> str:
    """"3.0" when the query or the Accept header asks for OpenAPI 3.0, else "3.1"."""
    if version is not None:
        return version
    wanted = [part.split(";q=")[0].replace(" ", "") for part in accept.split(",")]
    return "3.0" if OPENAPI_30 in wanted and OPENAPI_31 not in wanted else "3.1"


def openapi_media_type(accept: str, version: str = "3.1") -> str:
    """The OpenAPI media type of ``version``, or plain JSON for a client that does not
    accept it: GDAL's OAPIF driver asks for ``version=3.0, application/json`` and rejects
    any other answer."""
    own = OPENAPI_30 if version == "3.0" else OPENAPI_31
    wanted = [part.split(";q=")[0].strip().replace(" ", "") for part in accept.split(",")]
    if not accept or any(w in (own, "*/*", "application/*") for w in wanted):
        return own
    return JSON
