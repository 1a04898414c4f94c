"""JSON Schemas (OpenAPI 3.1 dialect) of what the routes answer: the reusable components, and
helpers to write one. Members listed are those the routes always send; more may come."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ANY_OBJECT: Schema = {"type": "object"}
BINARY: Schema = {"type": "string", "contentMediaType": "application/octet-stream"}
HTML_PAGE: Schema = {"type": "string", "contentMediaType": "text/html"}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def obj(*required: str, **properties: Schema) -> Schema:
    """An object with these members; ``required`` ones always present, others may be."""
    members = {name: {} for name in required} | properties
    schema: Schema = {"type": "object", "properties": members}
    if required:
        schema["required"] = list(required)
    return schema


def listing(member: str, item: Schema | None = None, **more: Schema) -> Schema:
    """``{member: [item, …]}``: how most lists are answered."""
    return obj(member, *more, **{member: array(item or ANY_OBJECT)}, **more)


LINK = obj("href", "rel", rel=STRING, type=STRING, title=STRING, templated=BOOLEAN, href={
    "type": "string", "description": "a URI reference, or a URI template when `templated`",
    "anyOf": [{"format": "uri-reference"}, {"format": "uri-template"}]})
LINKS = array(ref("Link"))
GEOMETRY = nullable(obj("type", type=STRING, coordinates={"type": "array"},
                        geometries={"type": "array"}))

COMPONENTS: dict[str, Schema] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference",
                     "examples": ["/problems/invalid-parameter"]},
            "title": STRING,
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": STRING,
            "instance": {"type": "string", "format": "uri-reference"},
            "invalid-params": array(obj("name", "reason", name=STRING, reason=STRING)),
        },
    },
    "Link": LINK,
    "LandingPage": obj("links", title=STRING, description=STRING, links=LINKS),
    "Conformance": obj("conformsTo", conformsTo=array({"type": "string", "format": "uri"})),
    "Collection": obj("id", "links", id=STRING, title=STRING, description=nullable(STRING),
                      itemType=STRING, crs=array(STRING), storageCrs=STRING,
                      extent=ANY_OBJECT, links=LINKS),
    "Collections": obj("links", "collections", links=LINKS,
                       collections=array(ref("Collection")), crs=array(STRING)),
    "Feature": obj("type", "geometry", "properties",
                   type={"type": "string", "enum": ["Feature"]},
                   id={"type": ["string", "integer"]}, geometry=GEOMETRY,
                   properties=nullable(ANY_OBJECT), links=LINKS),
    "FeatureCollection": obj("type", "features",
                             type={"type": "string", "enum": ["FeatureCollection"]},
                             features=array(ref("Feature")), links=LINKS,
                             timeStamp={"type": "string", "format": "date-time"},
                             numberMatched={"type": "integer", "minimum": 0},
                             numberReturned={"type": "integer", "minimum": 0}),
    "JsonSchema": {"type": "object", "description": "a JSON Schema (draft 2020-12)"},
    "TileMatrixSets": listing("tileMatrixSets", obj("id", "links", id=STRING, title=STRING,
                                                    uri=STRING, links=LINKS)),
    "TileMatrixSet": obj("id", "crs", "tileMatrices", id=STRING, crs={},
                         tileMatrices=array(ANY_OBJECT)),
    "TileSet": obj("dataType", "crs", "links", title=STRING, dataType=STRING, crs={},
                   tileMatrixSetURI=STRING, links=LINKS),
    "TileSets": obj("tilesets", links=LINKS, tilesets=array(obj("dataType", "crs", "links"))),
    "TileJSON": obj("tilejson", "tiles", tilejson=STRING, name=STRING, tiles=array(STRING),
                    minzoom=INTEGER, maxzoom=INTEGER, bounds=array(NUMBER)),
    "Raster": obj("id", "title", "links", id=STRING, title=STRING, title_en=STRING,
                  units=STRING, is_sample=BOOLEAN, bbox=array(NUMBER), links=LINKS),
    "Room": obj("id", "facility_id", "name", "kind", "capacity", "units", "hours",
                id=INTEGER, facility_id=INTEGER, facility_name=STRING, name=STRING, kind=STRING,
                capacity=INTEGER, active=BOOLEAN, units=array(ANY_OBJECT), hours=ANY_OBJECT),
    "Booking": obj("id", "room_id", "status", "start", "end", id=INTEGER, room_id=INTEGER,
                   status=STRING,
                   start={"type": "string", "format": "date-time"},
                   end={"type": "string", "format": "date-time"}),
    "LotteryRound": obj("id", "month", "status", id=INTEGER, month=STRING, status=STRING,
                        seed_commitment=STRING, seed=nullable(STRING)),
    "Profile": obj("address", "verified", address=nullable(STRING), verified=BOOLEAN),
    "Identity": obj("username", "roles", username=STRING, display_name=STRING,
                    roles=array(STRING), csrf_token=STRING,
                    editable_collections=array(STRING)),
}
