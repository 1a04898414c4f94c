"""OpenAPI 3.1 → 3.0.3, for clients that read only 3.0 (OWSLib, older QGIS, code generators).

3.1 schemas are JSON Schema 2020-12; 3.0 has its own subset. ``downgrade`` rewrites what this
API's document uses: ``type`` arrays and ``anyOf`` with ``null`` → ``nullable``, ``const`` →
``enum``, ``examples`` → ``example``, numeric ``exclusiveMinimum``/``Maximum`` → the boolean
form, ``contentMediaType``/``contentEncoding`` → ``format``, ``$ref`` with siblings → ``allOf``;
keywords 3.0 lacks are dropped. Pure: the input is left as it was."""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]

SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
SUBSCHEMAS = ("items", "not", "additionalProperties")
SCHEMA_MAPS = ("properties",)
UNSUPPORTED = ("$schema", "$id", "$defs", "$comment", "prefixItems", "unevaluatedItems",
               "unevaluatedProperties", "propertyNames", "dependentRequired",
               "dependentSchemas", "if", "then", "else", "contains", "minContains",
               "maxContains", "patternProperties", "contentSchema")
NULL: Schema = {"type": "null"}


def _null_free(schema: Schema, key: str) -> Schema:
    """``anyOf``/``oneOf`` with a ``null`` choice → the other choices, nullable."""
    choices = [c for c in schema[key] if c != NULL]
    if len(choices) == len(schema[key]):
        return schema
    rest = {k: v for k, v in schema.items() if k != key}
    if len(choices) == 1 and "$ref" not in choices[0]:
        merged = {**rest, **choices[0]}
    else:
        merged = {**rest, key if len(choices) > 1 else "allOf": choices}
    return {**merged, "nullable": True}


def _type_array(schema: Schema) -> Schema:
    types = schema["type"]
    if not isinstance(types, list):
        return schema
    nullable = "null" in types
    others = [t for t in types if t != "null"]
    rest = {k: v for k, v in schema.items() if k != "type"}
    if len(others) == 1:
        rest["type"] = others[0]
    elif others:
        rest["anyOf"] = [{"type": t} for t in others]
    if nullable:
        rest["nullable"] = True
    return rest


def _exclusive(schema: Schema, key: str, bound: str) -> None:
    value = schema.get(key)
    if isinstance(value, bool) or value is None:
        return
    schema[bound], schema[key] = value, True


def _content(schema: Schema) -> None:
    media_type = schema.pop("contentMediaType", None)
    encoding = schema.pop("contentEncoding", None)
    if encoding == "base64":
        schema.setdefault("format", "byte")
    elif media_type is not None and not media_type.startswith("text/"):
        schema.setdefault("format", "binary")


def _keywords(schema: Schema) -> Schema:
    """The keywords of ``schema`` itself, in 3.0 form (subschemas untouched)."""
    if "type" in schema:
        schema = _type_array(schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            schema = _null_free(schema, key)
    schema = dict(schema)
    if schema == {"type": "null"}:
        return {"nullable": True, "enum": [None]}
    if "const" in schema:
        schema["enum"] = [schema.pop("const")]
    if "examples" in schema:
        examples = schema.pop("examples")
        if isinstance(examples, list) and examples:
            schema.setdefault("example", examples[0])
    _exclusive(schema, "exclusiveMinimum", "minimum")
    _exclusive(schema, "exclusiveMaximum", "maximum")
    _content(schema)
    for key in UNSUPPORTED:
        schema.pop(key, None)
    if schema.get("type") == "array":
        schema.setdefault("items", {})
    if "$ref" in schema and len(schema) > 1:
        schema["allOf"] = [{"$ref": schema.pop("$ref")}, *schema.get("allOf", [])]
    return schema


def downgrade_schema(schema: Any) -> Any:
    """One JSON Schema 2020-12 (3.1) schema, and its subschemas, as a 3.0 Schema Object."""
    if not isinstance(schema, dict):
        return schema
    schema = _keywords(schema)
    for key in SUBSCHEMA_LISTS:
        if key in schema:
            schema[key] = [downgrade_schema(s) for s in schema[key]]
    for key in SUBSCHEMAS:
        if key in schema:
            schema[key] = downgrade_schema(schema[key])
    for key in SCHEMA_MAPS:
        if key in schema:
            schema[key] = {name: downgrade_schema(s) for name, s in schema[key].items()}
    return schema


def _walk(node: Any) -> Any:
    """Every ``schema`` member and ``components.schemas`` entry of the document, downgraded."""
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    walked = {}
    for key, value in node.items():
        if key == "schema":
            walked[key] = downgrade_schema(value)
        elif key == "schemas" and isinstance(value, dict):
            walked[key] = {name: downgrade_schema(s) for name, s in value.items()}
        else:
            walked[key] = _walk(value)
    return walked


def downgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.1 document as OpenAPI 3.0.3."""
    result = _walk(copy.deepcopy(doc))
    result["openapi"] = "3.0.3"
    for key in ("jsonSchemaDialect", "webhooks"):
        result.pop(key, None)
    info = result.get("info", {})
    summary = info.pop("summary", None)
    if summary and not info.get("description"):
        info["description"] = summary
    info.get("license", {}).pop("identifier", None)
    return result
