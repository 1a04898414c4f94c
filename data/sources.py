"""Provenance of every layer the city load writes: real open data, or labelled samples."""

from __future__ import annotations

from data.store import Provenance

SAMPLE_NOTE_JA = "サンプル（実データ未整備のため自動生成。実データの取り込みで置き換え可能）"
SAMPLE_NOTE_EN = "Sample (generated, no real data yet; replaced by importing real data)"
SAMPLE_LICENSE = "citygis sample data, CC0"


def sample(layer_id: str, what_ja: str, what_en: str) -> Provenance:
    return Provenance(
        layer_id=layer_id,
        source_ja=f"{what_ja}：{SAMPLE_NOTE_JA}",
        source_en=f"{what_en}: {SAMPLE_NOTE_EN}",
        license=SAMPLE_LICENSE,
        attribution=f"サンプル / Sample: {what_ja}",
        is_sample=True,
    )


CITY_BOUNDARY = Provenance(
    layer_id="city_boundary",
    source_ja="国土数値情報（行政区域データ）国土交通省 を加工して作成",
    source_en="National Land Numerical Information (Administrative Areas), MLIT; modified",
    license="国土数値情報 利用約款（出典明示）",
    attribution="「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
    is_sample=False,
)

CHOME = Provenance(
    layer_id="chome",
    source_ja="Geolonia 住所データ（位置参照情報 国土交通省 を元に作成）",
    source_en="Geolonia address data, derived from MLIT Location Reference Information",
    license="CC BY 4.0",
    attribution="Geolonia 住所データ / 位置参照情報 国土交通省",
    is_sample=False,
)

CHOME_AREAS = Provenance(
    layer_id="chome_areas",
    source_ja="町丁目代表点（Geolonia 住所データ）からの近似区域（ボロノイ分割）"
              "と推計人口（サンプル）",
    source_en="Areas approximated from chome points (Voronoi); estimated population (sample)",
    license="CC BY 4.0 (points: Geolonia); estimates: CC0",
    attribution="近似区域・推計人口（サンプル）/ Approximate areas, estimated population (sample)"
                "; Geolonia 住所データ",
    is_sample=True,
)

ROADS = sample("roads", "道路網", "Street network")
RIVERS = sample("rivers", "河川", "Rivers")
WATER_AREAS = sample("water_areas", "水域", "Water areas")
FACILITIES = sample("facilities", "公共施設", "Public facilities")
SHELTERS = sample("shelters", "避難所・避難場所", "Shelters and evacuation sites")

FLOOD_ZONES = Provenance(
    layer_id="flood_zones",
    source_ja="想定シナリオ（サンプル）の浸水深ラスタを浸水深ランクごとに面化。"
              "公式の洪水浸水想定区域ではない（実データは citygis import ksj-a31 で置き換え）",
    source_en="Depth ranks polygonized from the sample flood scenario raster; not an official "
              "flood inundation zone (replace with citygis import ksj-a31)",
    license=SAMPLE_LICENSE,
    attribution="想定シナリオ（サンプル）/ Sample scenario: 洪水浸水想定区域",
    is_sample=True,
)
FLOOD_DEPTH_RASTER = sample("flood_depth", "想定シナリオ（サンプル）浸水深",
                            "Flood depth, sample scenario")
