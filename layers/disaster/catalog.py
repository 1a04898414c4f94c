"""Layers the disaster domain publishes."""

from __future__ import annotations

from gis_core.access import Role
from gis_core.catalog import Field, Layer, catalog

DISASTER_EDITORS = frozenset({Role.PLANNER, Role.DISASTER_OFFICER})  # admins too

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
