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

FACILITY_AVAILABILITY = Layer(
    id="facility_availability", table="facility_availability", geometry_type="Point",
    domain="facilities",
    title_ja="施設の空き状況（本日）", title_en="Facility availability today",
    description_ja="予約できる部屋のある公共施設と、本日（日本時間）の利用区分の空き・予約済みの数。"
                   "個人の情報は含みません。",
    description_en="Public facilities with bookable rooms, and how many of today's booking units "
                   "(Japan time) are free or booked. No personal data.",
    fields=(
        Field("name", "string", "名称", "Name"),
        Field("kind", "string", "種別コード", "Kind"),
        Field("category_ja", "string", "種別", "Category"),
        Field("rooms", "integer", "部屋数", "Rooms"),
        Field("units_today", "integer", "本日の利用区分数", "Units today"),
        Field("booked_today", "integer", "予約済み", "Booked today"),
        Field("free_today", "integer", "空き", "Free today"),
        Field("status_ja", "string", "状況", "Status"),
        Field("day", "date", "日付", "Day"),
        Field("is_sample", "boolean", "サンプル", "Sample data"),
    ),
    temporal_field=None, min_zoom=10, keywords=("facilities", "booking", "施設予約", "空き状況"),
)

catalog.register(FACILITIES, FACILITY_AVAILABILITY)
