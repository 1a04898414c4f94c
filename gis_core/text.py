"""Japanese text helpers for search: kana folding and LIKE patterns."""

from __future__ import annotations

import unicodedata

KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def fold_kana(text: str) -> str:
    """NFKC (full/half width), lower case, katakana → hiragana.

    「ﾁｭｳｵｳ」 and 「チュウオウ」 both become 「ちゅうおう」."""
    return unicodedata.normalize("NFKC", text).lower().translate(KATAKANA_TO_HIRAGANA).strip()


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with LIKE's wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
