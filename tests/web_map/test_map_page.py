"""The citizens' map in Debian's headless Chromium: offline, no console errors, features drawn
from the city's own tiles, search in ひらがな, a click opens "this place", the language switch
(including MapLibre's own controls), phones, the kiosk view, and axe on each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import browser_page, serious_axe_violations
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def open_map(page: Any, base: str, query: str = "") -> None:
    page.goto(f"{base}/{query}")
    page.wait_for_function("window.citygisReady === true", timeout=30_000)


def test_the_map_draws_the_city_offline_and_accessibly(live_server: LiveServer,
                                                       browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        open_map(page, live_server.url)
        layers = page.evaluate(
            "[...new Set(window.citygisMap.queryRenderedFeatures().map(f => f.sourceLayer))]")
        assert {"city_boundary", "roads", "chome"} <= set(layers)
        assert page.locator("h1").count() == 1
        assert page.locator("#layer-list .layer-row").count() >= 6
        assert "出典" in page.text_content("#layer-list")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == [], (seen.external, seen.errors)


def test_search_in_hiragana_flies_to_a_real_chome(live_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        open_map(page, live_server.url)
        page.fill("#search-input", "ちゅうおう")
        page.wait_for_selector("#search-results .search-option")
        assert "中央" in page.text_content("#search-results")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.wait_for_selector("#info-panel:not([hidden])")
        page.wait_for_function(
            "document.querySelector('#place-summary').textContent.includes('中央')")
        assert "を表示しました" in page.text_content("#search-status")
        assert seen.errors == []


def test_a_click_tells_about_the_place(live_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, _seen):
        open_map(page, live_server.url)
        page.evaluate("window.citygisMap.jumpTo({center: [139.4265, 35.7454], zoom: 16})")
        page.wait_for_function("window.citygisMap.loaded()")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function(
            "document.querySelector('#place-summary').textContent.includes('中央')")
        details = page.text_content("#place-details")
        assert "近くの避難所" in details and "徒歩" in details and "開設中" in details
        assert "近くの予約できる部屋" in details
        href = page.locator("#place-details .nearby-item a").first.get_attribute("href")
        assert re.fullmatch(r"/yoyaku\?room=\d+&lon=139\.\d+&lat=35\.\d+", href)
        page.keyboard.press("Escape")
        assert page.is_hidden("#info-panel")
        page.goto(f"{live_server.url}{href}")
        page.wait_for_function("window.citygisBookingReady === true")
        assert page.is_visible("#calendar-section") and page.input_value("#place") == "near"


def test_the_language_switch_translates_everything_and_is_remembered(
        live_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, _seen):
        open_map(page, live_server.url)
        assert page.get_attribute(".maplibregl-ctrl-zoom-in", "title") == "拡大"
        page.click("#lang-switch")
        assert page.text_content("h1").endswith("Map")
        assert page.get_attribute(".maplibregl-ctrl-zoom-in", "title") == "Zoom in"
        assert page.evaluate("document.documentElement.lang") == "en"
        page.reload()
        page.wait_for_function("window.citygisReady === true")
        assert page.text_content("#here-button") == "What's at the map centre?"


def test_phones_get_collapsed_panels_and_large_buttons(live_server: LiveServer,
                                                       browser: Any) -> None:
    with browser_page(browser, viewport=PHONE) as (page, seen):
        open_map(page, live_server.url)
        assert page.is_hidden("#layers-panel")
        for selector in ("#layers-toggle", "#lang-switch", "#here-button", "#home-button",
                         ".maplibregl-ctrl-zoom-in"):
            box = page.locator(selector).bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, selector
        page.click("#layers-toggle")
        assert page.is_visible("#layers-panel")
        assert page.get_attribute("#layers-toggle", "aria-expanded") == "true"
        assert serious_axe_violations(page) == []
        assert seen.errors == []


def test_the_kiosk_shows_search_map_and_large_buttons_only(live_server: LiveServer,
                                                          browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        open_map(page, live_server.url, "?kiosk=1")
        assert page.is_visible("#search-input") and page.is_visible("#map")
        assert page.is_hidden("#layers-panel") and page.is_hidden(".site-footer")
        assert page.locator("#here-button").bounding_box()["height"] >= 56
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []


def test_an_export_is_offline_and_accessible(live_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        page.goto(f"{live_server.url}/collections/facilities/map.html")
        page.wait_for_selector(".leaflet-container")
        assert serious_axe_violations(page) == []
        assert seen.external == [], seen.external


@pytest.fixture(scope="module")
def emergency_server(fresh_module_db: Any) -> Iterator[LiveServer]:
    from gis_core.database import psycopg_connect

    with psycopg_connect(fresh_module_db) as conn:
        conn.execute("UPDATE emergency_state SET active = true, changed_at = now(), "
                     "message_ja = '多摩湖周辺の方は避難してください'")
    with LiveServer(fresh_module_db) as live:
        yield live


def test_in_emergency_mode_the_map_leads_to_shelters(emergency_server: LiveServer,
                                                     browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        open_map(page, emergency_server.url)
        page.wait_for_selector("#emergency-banner:not([hidden])")
        assert "多摩湖周辺の方は避難してください" in page.text_content("#emergency-banner")
        assert page.get_attribute("#emergency-banner a", "href") == "/bousai"
        page.wait_for_function("window.citygisMap.getLayer('flood-depth') !== undefined")
        page.wait_for_selector("#hazard-legend:not([hidden])")
        assert "0.5m未満" in page.text_content("#hazard-legend")
        page.evaluate("window.citygisMap.jumpTo({center: [139.4265, 35.7454], zoom: 16})")
        page.click("#route-button")
        page.wait_for_function("document.querySelector('#route-status').textContent.length > 0")
        assert "徒歩約" in page.text_content("#route-status"), page.text_content("#route-status")
        assert page.evaluate("window.citygisMap.getLayer('evacuation-route') !== undefined")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []
