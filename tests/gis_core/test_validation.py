"""The feature parser without a database: any JSON a client sends is either a checked feature
or a FeatureInvalid naming a member — never another exception."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gis_core.crs import CRS84_URI, EPSG_URI, parse_crs
from gis_core.settings import get_settings
from gis_core.validation import (
    DEFAULT,
    Column,
    FeatureInvalid,
    Target,
    describe_invalidity,
    parse_feature,
)
from layers.base.catalog import WATER_AREAS
from layers.facilities.catalog import FACILITIES

COLUMNS = {
    "id": Column("id", "integer", True, True),
    "name": Column("name", "text", True, False),
    "name_kana": Column("name_kana", "text", False, False),
    "kind": Column("kind", "text", True, False),
    "category_ja": Column("category_ja", "text", True, False),
    "address": Column("address", "character varying(20)", False, False),
    "source_code": Column("source_code", "text", False, False),
    "is_sample": Column("is_sample", "boolean", True, True),
    "updated_at": Column("updated_at", "timestamp with time zone", True, True),
}
TARGET = Target(FACILITIES, COLUMNS, parse_crs(CRS84_URI), get_settings().edit_extent)
PROPERTIES = {"name": "館", "kind": "library", "category_ja": "図書館"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
members = st.fixed_dictionaries({}, optional={
    "type": st.sampled_from(["Feature", "FeatureCollection", 3]) | json_values,
    "id": json_values,
    "geometry": st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["Point", "LineString", "Polygon", "MultiPoint"]) | json_values,
        "coordinates": json_values}) | json_values,
    "properties": st.dictionaries(st.sampled_from([*PROPERTIES, "colour", "is_sample",
                                                    "feature_version", "address"]),
                                  json_values) | json_values,
})


@settings(max_examples=400, deadline=None)
@given(body=members | json_values, mode=st.sampled_from(["create", "replace", "patch"]))
def test_any_body_is_a_feature_or_names_what_is_wrong(body: Any, mode: str) -> None:
    try:
        parse_feature(body, TARGET, mode, 7)  # type: ignore[arg-type]
    except FeatureInvalid as exc:
        assert exc.member.split(".")[0] in ("body", "type", "id", "geometry", "properties")


@settings(max_examples=200, deadline=None)
@given(lon=st.floats(139.3, 139.54), lat=st.floats(35.64, 35.86))
def test_points_in_the_city_are_accepted(lon: float, lat: float) -> None:
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": PROPERTIES}
    feature = parse_feature(body, TARGET, "create")
    assert feature.geometry is not None and feature.geometry.coords[0] == (lon, lat)
    assert feature.values["is_sample"] is DEFAULT and feature.values["address"] is None


def test_a_polygon_is_promoted_to_the_layers_multipolygon() -> None:
    target = Target(WATER_AREAS, {"name": Column("name", "text", False, False),
                                  "kind": Column("kind", "text", True, False),
                                  "is_sample": Column("is_sample", "boolean", True, False)},
                    TARGET.crs, TARGET.extent)
    square = [[[139.43, 35.74], [139.44, 35.74], [139.44, 35.75], [139.43, 35.75],
               [139.43, 35.74]]]
    body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square},
            "properties": {"kind": "pond", "is_sample": "true"}}
    feature = parse_feature(body, target, "create")
    assert feature.geometry is not None and feature.geometry.geom_type == "MultiPolygon"
    assert feature.values["is_sample"] is True


def test_column_limits_are_checked() -> None:
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [139.43, 35.745]},
            "properties": {**PROPERTIES, "address": "あ" * 21}}
    with pytest.raises(FeatureInvalid, match="at most 20") as raised:
        parse_feature(body, TARGET, "create")
    assert raised.value.member == "properties.address"


def test_read_version_comes_from_the_body() -> None:
    body = {"properties": {"feature_version": 4}}
    assert parse_feature(body, TARGET, "patch", 7).read_version == 4
    with pytest.raises(FeatureInvalid):
        parse_feature({"properties": {"feature_version": "4"}}, TARGET, "patch", 7)


@pytest.mark.parametrize(("reason", "described"), [
    ("Self-intersection[139.435 35.745]", "Self-intersection at (139.435, 35.745)"),
    ("Ring Self-intersection[1 2]", "Ring Self-intersection at (1, 2)"),
    ("Too few points in geometry component[139.4 35.7]",
     "Too few points in geometry component at (139.4, 35.7)"),
    ("Something else", "Something else"),
])
def test_invalidity_names_the_place(reason: str, described: str) -> None:
    assert describe_invalidity(reason) == described


def test_lonlat_sent_as_plane_rectangular_metres_gets_the_fix() -> None:
    target = Target(FACILITIES, COLUMNS, parse_crs(EPSG_URI.format(code=6677)), TARGET.extent)
    body = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [35.75, 139.43]},
            "properties": PROPERTIES}
    with pytest.raises(FeatureInvalid, match=r"longitude/latitude degrees \(139.4, 35.75\)"
                       ".*EPSG:6677, in metres — declare EPSG:4326") as raised:
        parse_feature(body, target, "create")
    assert raised.value.member == "Content-Crs"
