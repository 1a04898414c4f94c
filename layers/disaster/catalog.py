"""Layers the disaster domain publishes."""

from __future__ import annotations

from gis_core.access import Role
from gis_core.catalog import Field, Layer, catalog

DISASTER_EDITORS = frozenset({Role.PLANNER, Role.DISASTER_OFFICER})  # admins too
NOTE_LENGTH = 1000  # a crowd report's note

HAZARD_TITLES = {
    "flood": ("洪水", "Flood"),
    "landslide": ("崖崩れ、土石流及び地滑り", "Landslide, debris flow"),
    "storm_surge": ("高潮", "Storm surge"),
    "earthquake": ("地震", "Earthquake"),
    "tsunami": ("津波", "Tsunami"),
    "large_fire": ("大規模な火事", "Large fire"),
    "inland_flood": ("内水氾濫", "Inland flooding"),
    "volcano": ("火山現象", "Volcanic phenomena"),
}

SHELTERS = Layer(
    id="shelters", table="shelter", geometry_type="Point", domain="disaster",
    title_ja="指定緊急避難場所・指定避難所", title_en="Evacuation sites and shelters",
    description_ja="指定緊急避難場所（災害種別ごと）と指定避難所。",
    description_en="Designated emergency evacuation sites (per hazard) and designated shelters.",
    fields=(
        Field("name", "string", "施設・場所名", "Name"),
        Field("address", "string", "住所", "Address"),
        Field("gsi_id", "string", "共通ID", "Common ID"),
        Field("is_designated_shelter", "boolean", "指定避難所", "Designated shelter"),
        Field("is_emergency_site", "boolean", "指定緊急避難場所", "Emergency evacuation site"),
        *(Field(flag, "boolean", ja, en) for flag, (ja, en) in HAZARD_TITLES.items()),
        Field("capacity", "integer", "収容人数", "Capacity"),
        Field("status", "string", "開設状況", "Status (open, full, closed)"),
        Field("occupancy", "integer", "避難者数", "Occupancy"),
        Field("accessibility", "string", "バリアフリー", "Accessibility"),
        Field("status_updated_at", "datetime", "状況更新日時", "Status updated"),
        Field("is_sample", "boolean", "サンプル", "Sample data"),
    ),
    basemap=True, edit_roles=DISASTER_EDITORS, min_zoom=12,
    keywords=("shelters", "避難所", "disaster"),
)

catalog.register(SHELTERS)

FLOOD_ZONES = Layer(
    id="flood_zones", table="flood_zone", geometry_type="MultiPolygon", domain="disaster",
    title_ja="洪水浸水想定区域", title_en="Flood inundation zones",
    description_ja="河川ごとの洪水浸水想定区域と想定浸水深"
                   "（国土数値情報 洪水浸水想定区域データ）。",
    description_en="Expected flood inundation areas and depths per river (National Land "
                   "Numerical Information, flood inundation assumption areas).",
    fields=(
        Field("depth_rank", "string", "浸水深ランク", "Depth rank"),
        Field("depth_min_m", "number", "浸水深 下限 (m)", "Depth from (m)"),
        Field("depth_max_m", "number", "浸水深 上限 (m)", "Depth below (m)"),
        Field("label_ja", "string", "浸水深", "Depth range"),
        Field("river_name", "string", "河川名", "River"),
        Field("is_sample", "boolean", "サンプル", "Sample data"),
    ),
    basemap=False, edit_roles=DISASTER_EDITORS, min_zoom=10,
    keywords=("flood", "浸水", "hazard", "disaster"),
)

catalog.register(FLOOD_ZONES)

CROWD_REPORTS = Layer(
    id="crowd_reports", table="crowd_report", geometry_type="Point", domain="disaster",
    title_ja="市民からの被害報告", title_en="Citizens' damage reports",
    description_ja="市民が報告した被害・通行止めなど（災害対策担当のみ閲覧）。報告者は含まない。",
    description_en="Damage and blocked roads reported by citizens (disaster officers only). "
                   "Reporters are not included.",
    fields=(
        Field("category", "string", "種別", "Category"),
        Field("note", "string", "内容", "Note", max_length=NOTE_LENGTH),
        Field("status", "string", "対応状況", "Status"),
        Field("duplicate_of", "integer", "重複先", "Duplicate of"),
        Field("created_at", "datetime", "報告日時", "Reported at"),
    ),
    read_roles=frozenset({Role.DISASTER_OFFICER}),
    temporal_field="created_at", min_zoom=10, keywords=("reports", "被害報告", "disaster"),
)

catalog.register(CROWD_REPORTS)

LANDSLIDE_ZONES = Layer(
    id="landslide_zones", table="landslide_zone", geometry_type="MultiPolygon",
    domain="disaster",
    title_ja="土砂災害警戒区域", title_en="Sediment disaster warning areas",
    description_ja="土砂災害警戒区域・特別警戒区域（国土数値情報 土砂災害警戒区域データ）。",
    description_en="Sediment disaster (special) warning areas (National Land Numerical "
                   "Information A33).",
    fields=(
        Field("zone_kind", "string", "区域区分", "Zone (warning, special_warning)"),
        Field("phenomenon", "string", "現象の種類", "Phenomenon"),
        Field("label_ja", "string", "区域", "Zone"),
        Field("place_name", "string", "区域名", "Place"),
        Field("is_sample", "boolean", "サンプル", "Sample data"),
    ),
    basemap=False, min_zoom=10, keywords=("landslide", "土砂災害", "hazard", "disaster"),
)

catalog.register(LANDSLIDE_ZONES)
