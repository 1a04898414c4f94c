"""The login page and the planners' layer editor, in Debian's headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from tests.api.test_auth import run_db
from tests.browser import browser_page, chromium, serious_axe_violations
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def editor_server(fresh_module_db: URL) -> Iterator[LiveServer]:
    async def accounts(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "ed_planner", PASSWORD, "計画 花子", {Role.PLANNER})
        await service.create_user(conn, "ed_citizen", PASSWORD, "市民 一郎", {Role.CITIZEN})
    run_db(fresh_module_db, accounts)
    with LiveServer(fresh_module_db) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as found:
        yield found


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/editor")
    page.wait_for_url(re.compile(r"/login\?next=/editor$"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")


def test_login_page_is_accessible_and_explains_a_wrong_password(
        editor_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        log_in(page, editor_server.url, "ed_planner", "not the password")
        page.wait_for_selector("#login-error:not(:empty)")
        assert "パスワードが違います" in page.text_content("#login-error")
        assert page.evaluate("document.activeElement.id") == "password"
        assert serious_axe_violations(page) == []
        # The browser logs the refused login's 401 itself; nothing else may fail.
        assert seen.external == [] and [e for e in seen.errors if "401" not in e] == []


def test_editor_opens_after_login_with_the_map_and_no_errors(
        editor_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        log_in(page, editor_server.url, "ed_planner")
        page.wait_for_url(re.compile(r":\d+/editor$"))
        page.wait_for_function("document.querySelector('#status').textContent.length > 0")
        assert page.text_content("#who") == "計画 花子"
        assert page.locator("h1").count() == 1
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == [], (seen.external, seen.errors)


def test_language_switch_translates_the_editor(editor_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, _seen):
        log_in(page, editor_server.url, "ed_planner")
        page.wait_for_url(re.compile(r":\d+/editor$"))
        page.click("#lang-switch")
        assert page.text_content("h1") == "Layer editor"
        assert page.evaluate("document.documentElement.lang") == "en"
        page.reload()
        assert page.text_content("h1") == "Layer editor"  # remembered


def test_a_citizen_has_no_layer_to_edit(editor_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, _seen):
        log_in(page, editor_server.url, "ed_citizen")
        page.wait_for_url(re.compile(r":\d+/editor$"))
        page.wait_for_function("document.querySelector('#status').textContent.length > 0")
        assert page.text_content("#status") == "編集できるレイヤーがありません。"
        assert page.locator("#layer-select option").count() == 0
