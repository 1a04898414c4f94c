"""Readings (よみがな) of Higashiyamato's town names, so that citizens can search in hiragana.
The open data gives names in kanji only; these readings are common knowledge of the city's
place names."""

from __future__ import annotations

import re

TOWN_READINGS = {
    "上北台": "かみきただい", "中央": "ちゅうおう", "仲原": "なかはら", "南街": "なんがい",
    "向原": "むこうはら", "多摩湖": "たまこ", "奈良橋": "ならはし", "新堀": "しんぼり",
    "桜が丘": "さくらがおか", "清原": "きよはら", "清水": "しみず", "湖畔": "こはん",
    "狭山": "さやま", "立野": "たての", "芋窪": "いもくぼ", "蔵敷": "ぞうしき", "高木": "たかぎ",
}
NUMBER_READINGS = {
    "一": "いっ", "二": "に", "三": "さん", "四": "よん", "五": "ご",
    "六": "ろく", "七": "なな", "八": "はっ", "九": "きゅう", "十": "じゅっ",
}
CHOME = re.compile(r"^(?P<town>.+?)(?P<number>[一二三四五六七八九十]+)丁目$")


def chome_reading(name: str) -> str | None:
    """「芋窪四丁目」→「いもくぼよんちょうめ」; None when the town is unknown."""
    match = CHOME.match(name)
    town = match["town"] if match else name
    reading = TOWN_READINGS.get(town)
    if reading is None:
        return None
    if not match:
        return reading
    number = "".join(NUMBER_READINGS.get(char, "") for char in match["number"])
    return f"{reading}{number}ちょうめ"
