"""Compile a pygeofilter syntax tree (see gis_core.cql2) to a parameterised SQL condition."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import orjson
import shapely.geometry
from pygeofilter import ast, values

from gis_core.catalog import Layer
from gis_core.cql2 import GEOMETRY_NAMES, MAX_DEPTH, UNIT_METRES, FilterError
from gis_core.crs import STORAGE_SRID, OutputCrs
from gis_core.sql import Params

COMPARISONS = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
               ast.GreaterThan: ">", ast.GreaterEqual: ">="}
SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
           ast.GeometryContains: "ST_Contains", ast.GeometryWithin: "ST_Within",
           ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
           ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals"}


class FilterCompiler:
    def __init__(self, layer: Layer, params: Params, filter_crs: OutputCrs) -> None:
        self.layer, self.params, self.crs = layer, params, filter_crs

    def compile(self, node: Any, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise FilterError("the filter is nested too deeply")
        handler = self._handler(node)
        return handler(node, depth + 1)

    def _handler(self, node: Any) -> Any:
        for kind, method in (
            ((ast.And, ast.Or), self._combination), (ast.Not, self._not),
            (tuple(COMPARISONS), self._comparison), (ast.Between, self._between),
            (ast.Like, self._like), (ast.In, self._in), (ast.IsNull, self._is_null),
            (ast.Include, self._include), (tuple(SPATIAL), self._spatial),
            (ast.DistanceWithin, self._dwithin), (ast.BBox, self._bbox),
            (ast.TemporalPredicate, self._temporal),
        ):
            if isinstance(node, kind):
                return method
        raise FilterError(f"{type(node).__name__} is not supported in filters")

    # logical ---------------------------------------------------------------------
    def _combination(self, node: ast.Combination, depth: int) -> str:
        joiner = " AND " if isinstance(node, ast.And) else " OR "
        return "(" + joiner.join(self.compile(n, depth) for n in (node.lhs, node.rhs)) + ")"

    def _not(self, node: ast.Not, depth: int) -> str:
        return f"(NOT {self.compile(node.sub_node, depth)})"

    def _include(self, node: ast.Include, _depth: int) -> str:
        return "FALSE" if node.not_ else "TRUE"

    # scalar ----------------------------------------------------------------------
    def scalar(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            return self.attribute(node.name)
        if isinstance(node, ast.Function) and node.name.lower() in ("lower", "casei"):
            return f"lower({self.scalar(node.arguments[0])})"
        if isinstance(node, bool | int | float | str | datetime | date | time):
            return self._literal(node)
        raise FilterError(f"{type(node).__name__} cannot be used as a value here")

    def _literal(self, value: Any) -> str:
        placeholder = self.params.add(value)
        casts = {bool: "boolean", int: "numeric", float: "numeric", str: "text",
                 datetime: "timestamptz", date: "date"}
        return f"{placeholder}::{casts.get(type(value), 'text')}"

    def attribute(self, name: str) -> str:
        field = self.layer.field(name)
        if field is None or not field.filterable:
            queryable = ", ".join(f.name for f in self.layer.fields if f.filterable)
            raise FilterError(f"{name!r} is not a queryable of {self.layer.id} ({queryable})")
        return field.sql

    def _comparison(self, node: ast.Comparison, _depth: int) -> str:
        return f"({self.scalar(node.lhs)} {COMPARISONS[type(node)]} {self.scalar(node.rhs)})"

    def _between(self, node: ast.Between, _depth: int) -> str:
        negation = "NOT " if node.not_ else ""
        return (f"({self.scalar(node.lhs)} {negation}BETWEEN {self.scalar(node.low)} "
                f"AND {self.scalar(node.high)})")

    def _like(self, node: ast.Like, _depth: int) -> str:
        pattern = _sql_like_pattern(str(node.pattern), node.wildcard, node.singlechar,
                                    node.escapechar)
        operator = ("NOT " if node.not_ else "") + ("ILIKE" if node.nocase else "LIKE")
        return f"({self.scalar(node.lhs)}::text {operator} {self.params.add(pattern)})"

    def _in(self, node: ast.In, _depth: int) -> str:
        options = ", ".join(self.scalar(option) for option in node.sub_nodes)
        return f"({self.scalar(node.lhs)} {'NOT ' if node.not_ else ''}IN ({options}))"

    def _is_null(self, node: ast.IsNull, _depth: int) -> str:
        return f"({self.scalar(node.lhs)} IS {'NOT ' if node.not_ else ''}NULL)"

    # spatial ---------------------------------------------------------------------
    def geometry(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            if node.name not in GEOMETRY_NAMES:
                raise FilterError(f"{node.name!r} is not the geometry (use geom)")
            return f't."{self.layer.geometry_column}"'
        if isinstance(node, values.Geometry | values.Envelope):
            return self._geometry_literal(node.geometry)
        raise FilterError(f"{type(node).__name__} is not a geometry")

    def _geometry_literal(self, geojson: dict) -> str:
        try:
            shape = shapely.geometry.shape(geojson)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise FilterError(f"bad geometry in filter: {exc}") from None
        if not shape.is_valid:
            raise FilterError(f"invalid geometry in filter: {shapely.is_valid_reason(shape)}")
        literal = f"ST_GeomFromGeoJSON({self.params.add(orjson.dumps(geojson).decode())})"
        if self.crs.north_first:
            literal = f"ST_FlipCoordinates({literal})"
        literal = f"ST_SetSRID({literal}, {self.crs.srid})"
        if self.crs.srid != STORAGE_SRID:
            literal = f"ST_Transform({literal}, {STORAGE_SRID})"
        return literal

    def _spatial(self, node: ast.SpatialComparisonPredicate, _depth: int) -> str:
        return f"{SPATIAL[type(node)]}({self.geometry(node.lhs)}, {self.geometry(node.rhs)})"

    def _dwithin(self, node: ast.DistanceWithin, _depth: int) -> str:
        factor = UNIT_METRES.get(str(node.units).lower())
        if factor is None:
            raise FilterError(f"unknown distance unit {node.units!r} (use meters)")
        metres = self.params.add(float(node.distance) * factor)
        lhs, rhs = self.geometry(node.lhs), self.geometry(node.rhs)
        return f"ST_DWithin({lhs}::geography, {rhs}::geography, {metres}::float8)"

    def _bbox(self, node: ast.BBox, _depth: int) -> str:
        box = shapely.geometry.box(node.minx, node.miny, node.maxx, node.maxy)
        envelope = self._geometry_literal(shapely.geometry.mapping(box))
        return f"ST_Intersects({self.geometry(node.lhs)}, {envelope})"

    # temporal --------------------------------------------------------------------
    def _temporal(self, node: ast.TemporalPredicate, _depth: int) -> str:
        start, end = self._instant_or_interval(node.lhs), self._instant_or_interval(node.rhs)
        conditions = {
            "TimeBefore": f"{start[1]} < {end[0]}", "TimeAfter": f"{start[0]} > {end[1]}",
            "TimeEquals": f"({start[0]} = {end[0]} AND {start[1]} = {end[1]})",
            "TimeDuring": f"({start[0]} >= {end[0]} AND {start[1]} <= {end[1]})",
            "TimeIntersects": f"({start[0]} <= {end[1]} AND {start[1]} >= {end[0]})",
            "TimeDisjoint": f"({start[1]} < {end[0]} OR {start[0]} > {end[1]})",
        }
        condition = conditions.get(type(node).__name__)
        if condition is None:
            raise FilterError(f"{type(node).__name__} is not supported (use T_BEFORE, T_AFTER, "
                              "T_DURING, T_EQUALS, T_INTERSECTS, T_DISJOINT)")
        return f"({condition})"

    def _instant_or_interval(self, node: Any) -> tuple[str, str]:
        if isinstance(node, values.Interval):
            return self._instant(node.start), self._instant(node.end)
        instant = self._instant(node)
        return instant, instant

    def _instant(self, node: Any) -> str:
        if isinstance(node, ast.Attribute):
            field = self.layer.field(node.name)
            if field is None or field.type not in ("date", "datetime"):
                raise FilterError(f"{node.name!r} is not a date or time of {self.layer.id}")
            return field.sql
        if isinstance(node, datetime | date):
            return self._literal(node)
        if node is None or node == "..":
            return "NULL"
        raise FilterError(f"{node!r} is not an instant")


def _sql_like_pattern(pattern: str, wildcard: str, single: str, escape: str) -> str:
    """CQL2's LIKE wildcards (``%``, ``_``, escaped with ``\\``) in SQL's LIKE syntax."""
    out, escaped = [], False
    for char in pattern:
        if escaped:
            out.append("\\" + char if char in "%_\\" else char)
            escaped = False
        elif char == escape:
            escaped = True
        elif char == wildcard:
            out.append("%")
        elif char == single:
            out.append("_")
        else:
            out.append("\\" + char if char in "%_\\" else char)
    return "".join(out)


def compile_filter(node: Any, layer: Layer, params: Params, filter_crs: OutputCrs) -> str:
    return FilterCompiler(layer, params, filter_crs).compile(node)
