"""Layers the facilities domain publishes."""

from __future__ import annotations

from gis_core.access import Role
from gis_core.catalog import Field, Layer, catalog

PLANNERS = frozenset({Role.PLANNER})  # admins too (gis_core.access.may)

FACILITIES = Layer(
    id="facilities", table="facility", geometry_type="Point", domain="facilities",
    title_ja="公共施設", title_en="Public facilities",
    description_ja="市役所・公民館・図書館・学校・体育施設などの公共施設。",
    description_en="City hall, community centres, libraries, schools, sports halls and other "
                   "public facilities.",
    fields=(
        Field("name", "string", "名称", "Name"),
        Field("name_kana", "string", "よみがな", "Reading (kana)"),
        Field("kind", "string", "種別コード", "Kind"),
        Field("category_ja", "string", "種別", "Category"),
        Field("address", "string", "所在地", "Address"),
        Field("source_code", "string", "出典の分類コード", "Source category code"),
        Field("is_sample", "boolean", "サンプル", "Sample data"),
    ),
    basemap=True, edit_roles=PLANNERS, min_zoom=12, keywords=("facilities", "公共施設"),
)

catalog.register(FACILITIES)
