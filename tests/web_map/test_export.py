"""folium exports: self-contained offline map documents of the city's layers."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import URL

from cli.main import main


def unescape_json(document: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), document)


def assert_offline_document(document: str) -> None:
    assert '<html lang="ja">' in document and "<title>" in document
    assert document.count("<h1") == 1 and "<main" in document
    remote = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', document)
    assert remote == []
    assert "tile.openstreetmap" not in document and "cdn." not in document
    assert "L.map(" in document or "L.map (" in document


def test_cli_exports_layers_with_the_city_as_basemap(tmp_path: Path,
                                                     db_url: URL,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url.render_as_string(hide_password=False))
    from gis_core.settings import get_settings
    get_settings.cache_clear()
    out = tmp_path / "shelters.html"
    try:
        assert main(["export-map", "shelters", "facilities", "-o", str(out)]) == 0
    finally:
        get_settings.cache_clear()
    document = unescape_json(out.read_text(encoding="utf-8"))
    assert_offline_document(document)
    assert "指定緊急避難場所・指定避難所・公共施設 — 東大和市" in document
    assert "国土数値情報" in document and "サンプル" in document  # attribution
    assert "第一小学校（サンプル）" in document  # a shelter's name in the data
    assert "中央三丁目" in document  # the basemap: 町丁目 areas


def test_cli_rejects_unknown_layers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["export-map", "nope", "-o", str(tmp_path / "x.html")]) == 1
    assert "unknown layer" in capsys.readouterr().err


def test_map_document_of_a_collection(http: httpx.Client) -> None:
    response = http.get("/collections/roads/map.html")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert_offline_document(response.text)
    missing = http.get("/collections/nope/map.html")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
