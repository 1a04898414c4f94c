"""Code lists of 国土数値情報 (National Land Numerical Information) used by the importers.

P02 公共施設: P02_002 公共施設大分類 (code list ``PubFacMaclassCd``) and P02_003 公共施設小分類
(5 digits, the first two repeat the 大分類; ``PubFacMinclassCd``), as published at
https://nlftp.mlit.go.jp/ksj/gml/codelist/PubFacMaclassCd.html and PubFacMinclassCd.html.

A31 洪水浸水想定区域: the depth rank codes — 第1.1版 (2012) ``A31_001`` with the five-rank
(11–15) and seven-rank (21–27) scales; 第2.x版 onward (河川単位, ``A31_105``/``A31a_105`` for
計画規模, ``A31_205``/``A31a_205`` for 想定最大規模) with the six ranks of the 2015 manual
(洪水浸水想定区域図作成マニュアル 第4版: 0.5 m, 3 m, 5 m, 10 m, 20 m).
"""

from __future__ import annotations

# --- P02 公共施設 ---------------------------------------------------------------------------

# 公共施設大分類: code → (kind when the 小分類 says nothing more, 分類名)
MAJOR_CLASSES: dict[int, tuple[str, str]] = {
    3: ("culture", "建物（文化施設）"),
    9: ("other_public", "その他（公共企業体・独立行政法人等）"),
    11: ("national_agency", "国の機関"),
    12: ("local_government", "地方公共団体"),
    13: ("health_centre", "厚生機関"),
    14: ("police", "警察機関"),
    15: ("fire_station", "消防署"),
    16: ("school", "学校"),
    17: ("hospital", "病院"),
    18: ("post_office", "郵便局"),
    19: ("welfare", "福祉施設"),
}

# 公共施設小分類: code → (kind, 分類名). Kinds follow the facilities layer (city_hall, library,
# elementary_school, ...); codes not listed fall back to their 大分類.
MINOR_CLASSES: dict[str, tuple[str, str]] = {
    "03001": ("museum", "美術館"),
    "03002": ("museum", "資料館，記念館，博物館，科学館"),
    "03003": ("library", "図書館"),
    "03004": ("aquarium", "水族館"),
    "03005": ("zoo_botanical_garden", "動植物園"),
    "09001": ("other_public", "公共企業体・政府関係機関"),
    "09002": ("other_public", "独立行政法人・大学共同利用機関法人"),
    "12001": ("prefectural_office", "都道府県庁"),
    "12002": ("city_hall", "区役所（東京都），市役所"),
    "12003": ("ward_office", "区役所（政令指定都市）"),
    "12004": ("city_hall", "町村役場"),
    "12005": ("prefectural_branch", "都道府県の出先機関"),
    "13001": ("health_centre", "保健所"),
    "16001": ("elementary_school", "小学校"),
    "16002": ("junior_high_school", "中学校"),
    "16003": ("secondary_school", "中等教育学校"),
    "16004": ("high_school", "高等学校"),
    "16005": ("technical_college", "高等専門学校"),
    "16006": ("junior_college", "短期大学"),
    "16007": ("university", "大学"),
    "16008": ("special_needs_school", "盲学校"),
    "16009": ("special_needs_school", "ろう学校"),
    "16010": ("special_needs_school", "養護学校"),
    "16012": ("special_needs_school", "特別支援学校"),
    "18001": ("post_office", "普通郵便局"),
    "18002": ("post_office", "特定郵便局（集配局）"),
    "18003": ("post_office", "特定郵便局（無集配局）"),
    "18004": ("post_office", "簡易郵便局"),
    "18005": ("post_office", "地域区分局"),
}

# Names that say more than the code list (a 公民館 is filed under 地方公共団体 or 建物).
NAME_KINDS: tuple[tuple[str, str, str], ...] = (
    ("公民館", "community_centre", "公民館"),
    ("集会所", "community_centre", "集会施設"),
    ("市民センター", "community_centre", "市民センター"),
    ("体育館", "sports_hall", "体育館"),
    ("市民会館", "civic_hall", "市民会館"),
    ("児童館", "childrens_centre", "児童館"),
    ("保育園", "nursery", "保育園"),
    ("保育所", "nursery", "保育所"),
    ("福祉センター", "welfare_centre", "福祉センター"),
)


def facility_kind(major: object, minor: object, name: str) -> tuple[str, str] | None:
    """(kind, category_ja) of a P02 facility, or None when the 大分類 code is unknown."""
    try:
        major_code = int(str(major).strip())
    except ValueError:
        return None
    if major_code not in MAJOR_CLASSES:
        return None
    minor_code = str(minor).strip().zfill(5) if minor is not None else ""
    if minor_code in MINOR_CLASSES and MINOR_CLASSES[minor_code][0] in ("city_hall", "library"):
        return MINOR_CLASSES[minor_code]
    for word, kind, category in NAME_KINDS:
        if word in name:
            return kind, category
    return MINOR_CLASSES.get(minor_code, MAJOR_CLASSES[major_code])


# --- A31 洪水浸水想定区域 ------------------------------------------------------------------------

# rank code → (depth from m, depth below m or None, 表記)
DEPTH_RANKS_V1_5: dict[int, tuple[float, float | None, str]] = {
    11: (0.0, 0.5, "0.5m未満"),
    12: (0.5, 1.0, "0.5m以上1.0m未満"),
    13: (1.0, 2.0, "1.0m以上2.0m未満"),
    14: (2.0, 5.0, "2.0m以上5.0m未満"),
    15: (5.0, None, "5.0m以上"),
}
DEPTH_RANKS_V1_7: dict[int, tuple[float, float | None, str]] = {
    21: (0.0, 0.5, "0.5m未満"),
    22: (0.5, 1.0, "0.5m以上1.0m未満"),
    23: (1.0, 2.0, "1.0m以上2.0m未満"),
    24: (2.0, 3.0, "2.0m以上3.0m未満"),
    25: (3.0, 4.0, "3.0m以上4.0m未満"),
    26: (4.0, 5.0, "4.0m以上5.0m未満"),
    27: (5.0, None, "5.0m以上"),
}
DEPTH_RANKS_V2: dict[int, tuple[float, float | None, str]] = {
    1: (0.0, 0.5, "0.5m未満"),
    2: (0.5, 3.0, "0.5m以上3.0m未満"),
    3: (3.0, 5.0, "3.0m以上5.0m未満"),
    4: (5.0, 10.0, "5.0m以上10.0m未満"),
    5: (10.0, 20.0, "10.0m以上20.0m未満"),
    6: (20.0, None, "20.0m以上"),
}

# (rank attribute, river-name attribute, rank table), in order of preference
A31_LAYOUTS: tuple[tuple[str, str | None, dict[int, tuple[float, float | None, str]]], ...] = (
    ("A31a_205", "A31a_202", DEPTH_RANKS_V2),  # 第3.0版〜 想定最大規模
    ("A31a_105", "A31a_102", DEPTH_RANKS_V2),  # 第3.0版〜 計画規模
    ("A31_205", "A31_202", DEPTH_RANKS_V2),    # 第2.x版 想定最大規模
    ("A31_105", "A31_102", DEPTH_RANKS_V2),    # 第2.x版 計画規模
    ("A31_001", None, {**DEPTH_RANKS_V1_5, **DEPTH_RANKS_V1_7}),  # 第1.1版
)
# Attributes of the same files that are not depths: 浸水継続時間 and 家屋倒壊等氾濫想定区域.
A31_NOT_DEPTH = ("A31a_305", "A31_305", "A31a_405", "A31_405")
