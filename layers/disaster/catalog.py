"""Layers the disaster domain publishes."""

from __future__ import annotations

from gis_core.catalog import Field, Layer, catalog

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
    basemap=True, min_zoom=12, keywords=("shelters", "避難所", "disaster"),
)

catalog.register(SHELTERS)
