"""The citizens' booking page in Debian's headless Chromium: search without an account, log in,
book a free time, see it among my bookings, cancel it; axe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.database import psycopg_connect
from tests.api.test_auth import run_db
from tests.browser import browser_page, chromium, serious_axe_violations
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[tuple[LiveServer, URL]]:
    async def account(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "y_citizen", PASSWORD, "予約 花子", {Role.CITIZEN})
    run_db(fresh_module_db, account)
    with LiveServer(fresh_module_db) as live:
        yield live, fresh_module_db


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as found:
        yield found


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the 401 of /auth/me for a visitor who is not logged in."""
    return [e for e in errors if "401" not in e]


def test_a_visitor_can_search(server, browser: Any) -> None:
    live, _url = server
    with browser_page(browser) as (page, seen):
        page.goto(f"{live.url}/yoyaku")
        page.wait_for_function("window.citygisBookingReady === true")
        assert "室に空きがあります" in page.text_content("#search-status")
        page.select_option("#kind", "japanese_room")
        page.click("#search-form button[type=submit]")
        page.wait_for_function("[...document.querySelectorAll('#results .meta')]"
                               ".every(m => m.textContent.startsWith('和室'))")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and unexpected(seen.errors) == []


def test_a_citizen_books_and_cancels(server, browser: Any) -> None:
    live, url = server
    with browser_page(browser) as (page, seen):
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{live.url}/login?next=/yoyaku")
        page.fill("#username", "y_citizen")
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(re.compile(r":\d+/yoyaku$"))
        page.wait_for_function("window.citygisBookingReady === true")
        assert page.text_content("#who") == "予約 花子"
        page.locator("#results button").first.click()
        page.wait_for_function(
            "document.querySelector('#search-status').textContent.startsWith('予約しました')")
        page.wait_for_selector("#mine li")
        page.click("#mine li button")
        page.wait_for_function(
            "document.querySelector('#mine-status').textContent === '取り消しました。'")
        assert serious_axe_violations(page) == []
        assert unexpected(seen.errors) == []
    with psycopg_connect(url) as conn:
        statuses = [r[0] for r in conn.execute(
            "SELECT b.status FROM booking b JOIN app_user u ON u.id = b.user_id "
            "WHERE u.username = 'y_citizen'").fetchall()]
    assert statuses == ["cancelled"]
