"""OGC CQL2 (text and JSON) → parameterised PostGIS SQL for a catalog layer.

pygeofilter parses; this module compiles its syntax tree. Every literal becomes a bind
parameter, every property must be a declared field of the layer (or its geometry), so a
filter can never inject SQL. ``S_DWITHIN(geom, POINT(…), distance[, units])`` — an extension
the issue asks for — measures metres on the ellipsoid.
"""

from __future__ import annotations

import os
from typing import Any

import lark
import orjson
from pygeofilter import ast
from pygeofilter.parsers.cql2_json.parser import walk_cql_json
from pygeofilter.parsers.cql2_text import parser as cql2_text

GEOMETRY_NAMES = frozenset({"geom", "geometry"})
UNIT_METRES = {"meters": 1.0, "metres": 1.0, "m": 1.0, "kilometers": 1000.0, "km": 1000.0,
               "feet": 0.3048, "statute miles": 1609.344, "nautical miles": 1852.0}
MAX_DEPTH = 40


class FilterError(ValueError):
    """The filter cannot be parsed or uses something the layer does not have."""


@lark.v_args(meta=False, inline=True)
class _Transformer(cql2_text.CQLTransformer):
    def s_dwithin(self, lhs: Any, rhs: Any, distance: Any, units: Any = "meters") -> ast.Node:
        return ast.DistanceWithin(lhs, rhs, float(distance), str(units).strip("'\"").lower())

    def temporal_function(self, op: Any, lhs: Any, rhs: Any) -> ast.Node:
        """CQL2's function form T_AFTER(a, b) beside the infix form of pygeofilter's grammar."""
        return self.binary_temporal_predicate(lhs, op, rhs)


def _text_parser() -> lark.Lark:
    folder = os.path.dirname(cql2_text.__file__)
    with open(os.path.join(folder, "grammar.lark"), encoding="utf-8") as grammar_file:
        grammar = grammar_file.read()
    spatial = (
        '| "S_DWITHIN"i "(" expression "," expression "," full_number '
        '["," (SINGLE_QUOTED | DISTANCE_UNIT)] ")" -> s_dwithin\n'
        '                  | "RELATE"'
    )
    temporal = (
        "?temporal_predicate: _binary_temporal_predicate_func \"(\" expression \",\" "
        "expression \")\" -> temporal_function\n"
        "                   | expression _binary_temporal_predicate_func expression"
    )
    grammar = grammar.replace('| "RELATE"', spatial, 1)
    grammar = grammar.replace("?temporal_predicate: expression _binary_temporal_predicate_func "
                              "expression", temporal, 1)
    grammar += '\nDISTANCE_UNIT.2: "meters"i | "metres"i | "kilometers"i | "feet"i\n'
    return lark.Lark(grammar, parser="lalr", maybe_placeholders=False,
                     transformer=_Transformer(), import_paths=[os.path.dirname(folder)])


_TEXT = _text_parser()


def parse_text(text: str) -> ast.Node:
    try:
        return _TEXT.parse(text)
    except (lark.exceptions.LarkError, ValueError, TypeError) as exc:
        raise FilterError(f"not valid CQL2 text: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _walk_json(node: Any) -> Any:
    if isinstance(node, dict) and node.get("op") == "s_dwithin":
        args = node.get("args") or []
        if len(args) not in (3, 4):
            raise FilterError("s_dwithin takes a geometry, a geometry, a distance [, units]")
        units = args[3] if len(args) == 4 else "meters"
        return ast.DistanceWithin(_walk_json(args[0]), _walk_json(args[1]), float(args[2]), units)
    if isinstance(node, dict) and node.get("op") in ("and", "or", "not"):
        parts = [_walk_json(arg) for arg in node.get("args") or []]
        if node["op"] == "not":
            return ast.Not(parts[0])
        return (ast.And if node["op"] == "and" else ast.Or).from_items(*parts)
    return walk_cql_json(node)


def parse_json(text: str | dict) -> ast.Node:
    try:
        document = orjson.loads(text) if isinstance(text, str) else text
        return _walk_json(document)
    except FilterError:
        raise
    except (orjson.JSONDecodeError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise FilterError(f"not valid CQL2 JSON: {_first_line(exc)}") from None


# opening, closing, string quote; in JSON, one args array per operator
NESTING = {"cql2-text": ("(", ")", "'"), "cql2-json": ("[", "]", '"')}


def nesting_depth(text: str, lang: str) -> int:
    """How deeply brackets nest in ``text``, outside string literals: measured before parsing,
    because parsers and compilers recurse once per level."""
    opening, closing, quote = NESTING[lang]
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped = char == "\\" and not escaped and lang == "cql2-json"
            in_string = char != quote or escaped
            continue
        if char == quote:
            in_string = True
        elif char in opening:
            depth += 1
            deepest = max(deepest, depth)
        elif char in closing:
            depth -= 1
    return deepest


def parse(text: str, lang: str = "cql2-text") -> ast.Node:
    if lang not in NESTING:
        raise FilterError(f"filter-lang must be cql2-text or cql2-json, not {lang!r}")
    if isinstance(text, str) and nesting_depth(text, lang) > MAX_DEPTH:
        raise FilterError(f"the filter nests deeper than {MAX_DEPTH} levels")
    try:
        return parse_text(text) if lang == "cql2-text" else parse_json(text)
    except RecursionError:
        raise FilterError(f"the filter nests deeper than {MAX_DEPTH} levels") from None
