"""The disaster officers' dashboard in Debian's headless Chromium: switching emergency mode,
triaging a citizen's report, roles, audit, axe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.database import psycopg_connect
from tests.browser import browser_page, serious_axe_violations
from tests.conftest import LiveServer
from tests.helpers import run_db

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
PATH = "/disaster/dashboard"


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[tuple[LiveServer, URL]]:
    async def accounts(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "d_officer", PASSWORD, "防災 一郎",
                                  {Role.DISASTER_OFFICER})
        await service.create_user(conn, "d_planner", PASSWORD, "計画 二郎", {Role.PLANNER})
    run_db(fresh_module_db, accounts)
    with LiveServer(fresh_module_db) as live:
        yield live, fresh_module_db


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}{PATH}")
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")


def test_an_officer_switches_emergency_mode_and_triages_a_report(server, browser: Any) -> None:
    live, url = server
    with psycopg_connect(url) as conn:
        conn.execute("UPDATE emergency_state SET active = false")
        conn.execute("INSERT INTO crowd_report (category, note, geom) VALUES "
                     "('blocked_road', '倒木', ST_Point(139.4265, 35.7454, 4326))")
    with browser_page(browser) as (page, seen):
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live.url, "d_officer")
        page.wait_for_function("window.citygisDashboardReady === true")
        assert page.text_content("#emergency-state") == "平常時"
        page.fill("#message-ja", "多摩湖周辺は避難してください")
        page.click("#emergency-button")
        page.wait_for_function(
            "document.querySelector('#emergency-state').textContent === '緊急モード中'")
        page.click("#report-rows button:has-text('確認済みにする')")
        page.wait_for_selector("#report-rows td:has-text('確認済み')")
        first = page.locator("#shelter-rows tr").first
        shelter = first.locator("th").text_content()
        first.locator("input[type=number]").fill("12")
        first.locator("button").click()
        page.wait_for_function(
            "document.querySelector('#shelter-rows tr input').value === '12'")
        assert "浸水想定区域の人口" in page.text_content("#exposure-totals")
        first = page.locator("#shelter-rows tr").first
        first.locator("select").select_option("closed")
        first.locator("button").click()
        page.wait_for_function(  # a closed shelter stays on the board, to be reopened
            "document.querySelector('#shelter-rows tr select').value === 'closed'")
        rows = page.locator("#shelter-rows tr").count()
        assert rows == page.evaluate(
            "fetch('/collections/shelters/items?limit=1000').then(r => r.json())"
            ".then(c => c.features.length)")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == [], seen.errors
    with psycopg_connect(url) as conn:
        active, message = conn.execute(
            "SELECT active, message_ja FROM emergency_state").fetchone()
        status = conn.execute("SELECT status FROM crowd_report WHERE note = '倒木'").fetchone()
        occupancy = conn.execute("SELECT occupancy FROM shelter WHERE name = %s",
                                 (shelter,)).fetchone()
        actions = {r[0] for r in conn.execute(
            "SELECT action FROM audit_log WHERE username = 'd_officer'").fetchall()}
    assert active and message == "多摩湖周辺は避難してください" and status == ("confirmed",)
    assert occupancy == (12,)  # then closed, with its occupancy kept
    assert {"emergency-on", "triage", "read"} <= actions


def test_the_dashboard_is_for_officers_only(server) -> None:
    live, _url = server
    with httpx.Client(base_url=live.url) as client:
        assert client.get(PATH).status_code == 303
        client.post("/auth/login", json={"username": "d_planner", "password": PASSWORD})
        refused = client.get(PATH)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
