"""Layers the base domain publishes. All are public; planners edit the city's own data (roads,
rivers, water, 町丁目 areas), not the official boundary and 町丁目 points."""

from __future__ import annotations

from gis_core.access import Role
from gis_core.catalog import Field, Layer, catalog
from gis_core.measure import area_m2_sql, length_m_sql

LENGTH_M = Field("length_m", "number", "延長 (m)", "Length (m)",
                 expression=f"round({length_m_sql('t.geom')}::numeric, 1)", filterable=False)
AREA_M2 = Field("area_m2", "number", "面積 (㎡)", "Area (m²)",
                expression=f"round({area_m2_sql('t.geom')}::numeric, 1)", filterable=False)
IS_SAMPLE = Field("is_sample", "boolean", "サンプル", "Sample data")
NAME = Field("name", "string", "名称", "Name")
KIND = Field("kind", "string", "種別", "Kind")
PLANNERS = frozenset({Role.PLANNER})  # admins too (gis_core.access.may)

CITY_BOUNDARY = Layer(
    id="city_boundary", table="city_boundary", geometry_type="MultiPolygon", domain="base",
    static_in_emergency=True,
    title_ja="行政区域", title_en="City boundary",
    description_ja="市の行政区域（国土数値情報 行政区域データ）。",
    description_en="The city's administrative boundary (National Land Numerical Information).",
    fields=(
        Field("code", "string", "全国地方公共団体コード", "Local government code"),
        Field("pref", "string", "都道府県", "Prefecture"),
        Field("name", "string", "市区町村", "Municipality"),
        AREA_M2,
    ),
    basemap=True, keywords=("boundary", "行政区域"),
)

CHOME = Layer(
    id="chome", table="chome", geometry_type="Point", domain="base",
    static_in_emergency=True,
    title_ja="町丁目（代表点）", title_en="Chome (representative points)",
    description_ja="町丁目ごとの代表点（Geolonia 住所データ / 位置参照情報）。",
    description_en="One representative point per chome (Geolonia address data).",
    fields=(
        Field("name", "string", "町丁目", "Chome"),
        Field("name_kana", "string", "よみがな", "Reading (kana)"),
        Field("city", "string", "市区町村", "Municipality"),
        Field("pref", "string", "都道府県", "Prefecture"),
    ),
    basemap=True, min_zoom=13, keywords=("chome", "町丁目", "address"),
)

CHOME_AREAS = Layer(
    id="chome_areas", table="chome_area", geometry_type="MultiPolygon", domain="base",
    static_in_emergency=True,
    title_ja="町丁目区域と人口", title_en="Chome areas and population",
    description_ja="町丁目の区域と人口。approximate=true の区域は代表点からの近似（ボロノイ分割）、"
                   "population_is_estimate=true の人口は推計値（サンプル）。",
    description_en="Chome areas and population. Areas with approximate=true are approximated "
                   "from the representative points (Voronoi); population_is_estimate=true marks "
                   "estimated (sample) figures.",
    fields=(
        Field("name", "string", "町丁目", "Chome"),
        Field("key_code", "string", "小地域コード", "Small-area key code"),
        Field("approximate", "boolean", "近似区域", "Approximate area"),
        Field("population", "integer", "人口", "Population"),
        Field("households", "integer", "世帯数", "Households"),
        Field("population_is_estimate", "boolean", "推計値", "Estimated figure"),
        Field("census_year", "integer", "調査年", "Census year"),
        AREA_M2,
    ),
    basemap=True, edit_roles=PLANNERS, keywords=("chome", "population", "人口"),
)

ROADS = Layer(
    id="roads", table="road", geometry_type="LineString", domain="base",
    static_in_emergency=True,
    title_ja="道路", title_en="Roads",
    description_ja="道路中心線。", description_en="Road centre lines.",
    fields=(NAME, KIND, Field("osm_id", "integer", "OSM ID", "OSM id"), IS_SAMPLE, LENGTH_M),
    basemap=True, edit_roles=PLANNERS, keywords=("roads", "道路"),
)

RIVERS = Layer(
    id="rivers", table="river", geometry_type="MultiLineString", domain="base",
    static_in_emergency=True,
    title_ja="河川", title_en="Rivers",
    description_ja="河川の中心線。", description_en="River centre lines.",
    fields=(NAME, KIND, IS_SAMPLE, LENGTH_M),
    basemap=True, edit_roles=PLANNERS, keywords=("rivers", "河川"),
)

WATER_AREAS = Layer(
    id="water_areas", table="water_area", geometry_type="MultiPolygon", domain="base",
    static_in_emergency=True,
    title_ja="水域", title_en="Water areas",
    description_ja="湖沼・貯水池などの水域。", description_en="Lakes, reservoirs and other water.",
    fields=(NAME, KIND, IS_SAMPLE, AREA_M2),
    basemap=True, edit_roles=PLANNERS, keywords=("water", "水域"),
)

catalog.register(CITY_BOUNDARY, CHOME, CHOME_AREAS, ROADS, RIVERS, WATER_AREAS)
