"""The light emergency page, in Debian's headless Chromium: nearest shelters from a chosen
町丁目, a report sent without an account in emergency mode, the language switch, axe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from tests.browser import browser_page, serious_axe_violations
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[tuple[LiveServer, URL]]:
    with LiveServer(fresh_module_db) as live:
        yield live, fresh_module_db


def set_emergency(url: URL, active: bool, message: str = "") -> None:
    with psycopg_connect(url) as conn:
        conn.execute("UPDATE emergency_state SET active = %s, message_ja = %s, "
                     "changed_at = clock_timestamp()",
                     (active, message))


def test_choosing_an_area_lists_the_nearest_shelters(server, browser: Any) -> None:
    live, url = server
    set_emergency(url, False)
    with browser_page(browser, viewport={"width": 390, "height": 844}) as (page, seen):
        page.goto(f"{live.url}/bousai")
        assert "現在、緊急情報はありません" in page.text_content("main")
        page.select_option("#place-select", label="中央三丁目")
        page.click("#place-form button[type=submit]")
        page.wait_for_selector("#nearest-list li")
        first = page.text_content("#nearest-list li")
        assert "徒歩約" in first and "m" in first
        assert page.locator(".shelters tbody tr").count() > 10
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []


def test_in_emergency_mode_anyone_can_report(server, browser: Any) -> None:
    live, url = server
    set_emergency(url, True, "多摩湖周辺は避難してください")
    live.app.state.emergency.forget()
    with browser_page(browser) as (page, seen):
        page.goto(f"{live.url}/bousai")
        assert "多摩湖周辺は避難してください" in page.text_content("[role=alert]")
        page.select_option("#place-select", label="中央三丁目")
        page.click("#place-form button[type=submit]")
        page.wait_for_selector("#nearest-list li")
        page.select_option("#category", "blocked_road")
        page.fill("#note", "倒木で道がふさがっています")
        page.click("#report-form button[type=submit]")
        page.wait_for_function("document.querySelector('#report-status').textContent.includes('受け付けました')")
        assert seen.errors == []
    with psycopg_connect(url) as conn:
        note, reporter = conn.execute(
            "SELECT note, reporter_id FROM crowd_report ORDER BY id DESC LIMIT 1").fetchone()
    assert note == "倒木で道がふさがっています" and reporter is None
    set_emergency(url, False)
    live.app.state.emergency.forget()


def test_language_switch_is_remembered(server, browser: Any) -> None:
    live, _url = server
    with browser_page(browser) as (page, _seen):
        page.goto(f"{live.url}/bousai")
        page.click("#lang-switch")
        assert page.is_visible("text=Nearest shelters")
        assert not page.is_visible("text=近くの避難所")
        page.reload()
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.is_visible("text=All shelters")
