"""The login page and the planners' layer editor, in Debian's headless Chromium."""

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
from tests.browser import browser_page, serious_axe_violations
from tests.conftest import LiveServer
from tests.helpers import run_db

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def editor_server(fresh_module_db: URL) -> Iterator[LiveServer]:
    async def accounts(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "ed_planner", PASSWORD, "計画 花子", {Role.PLANNER})
        await service.create_user(conn, "ed_citizen", PASSWORD, "市民 一郎", {Role.CITIZEN})
        other = await service.create_user(conn, "ed_other", PASSWORD, "計画 三郎",
                                          {Role.PLANNER})
        TOKENS["other"] = await service.create_token(conn, other, "qgis")
    run_db(fresh_module_db, accounts)
    with LiveServer(fresh_module_db) as live:
        yield live


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


def wait_for_status(page: Any, text: str) -> None:
    page.wait_for_function(f"document.querySelector('#status').textContent === '{text}'")


def open_layer(page: Any, base: str, layer_id: str) -> None:
    log_in(page, base, "ed_planner")
    page.wait_for_function("window.citygisEditorReady === true")
    page.select_option("#layer-select", layer_id)
    page.wait_for_function("document.querySelector('#status').textContent.includes('件')")


def add_facility(page: Any, name: str) -> str:
    """A point added from the keyboard (coordinates), its form filled and saved; its id."""
    page.fill("#coordinate-input", "139.4265, 35.7454")
    page.press("#coordinate-input", "Enter")
    page.wait_for_selector("#feature-panel:not([hidden])")
    page.fill("#field-name", name)
    page.fill("#field-kind", "hall")
    page.fill("#field-category_ja", "集会施設")
    page.select_option("#field-is_sample", "false")
    page.click("#attribute-form button[type=submit]")
    try:
        page.wait_for_function(
            "document.querySelector('#status').textContent.includes('追加しました')")
    except Exception:
        print("status:", page.text_content("#status"), "error:", page.text_content("#form-error"),
              "title:", page.text_content("#feature-title"))
        raise
    return re.search(r"地物 (\d+) を追加", page.text_content("#status")).group(1)


def test_a_planner_adds_edits_and_sees_history(editor_server: LiveServer, browser: Any) -> None:
    with browser_page(browser) as (page, seen):
        open_layer(page, editor_server.url, "facilities")
        fid = add_facility(page, "テスト公民館")
        page.fill("#field-address", "東大和市中央三丁目")
        page.click("#attribute-form button[type=submit]")
        wait_for_status(page, "保存しました。")
        page.click("#history-button")
        page.wait_for_selector("#history-list li >> nth=1")
        entries = page.locator("#history-list li").all_text_contents()
        assert entries[0].startswith("第 2 版") and "address" in entries[0]
        assert "ed_planner" in entries[1]
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == [], seen.errors
    feature = httpx.get(f"{editor_server.url}/collections/facilities/items/{fid}").json()
    assert feature["properties"]["address"] == "東大和市中央三丁目"
    assert feature["geometry"]["coordinates"] == pytest.approx([139.4265, 35.7454])


def test_a_conflict_is_explained_and_reapplied(editor_server: LiveServer, browser: Any) -> None:
    url = f"{editor_server.url}/collections/facilities/items"
    with browser_page(browser) as (page, seen):
        open_layer(page, editor_server.url, "facilities")
        fid = add_facility(page, "競合テスト館")
        other = {"Authorization": f"Bearer {TOKENS['other']}"}
        current = httpx.get(f"{url}/{fid}")
        feature = current.json()
        feature["properties"]["address"] = "別の人が直した住所"
        changed = httpx.put(f"{url}/{fid}", json=feature,
                            headers={**other, "If-Match": current.headers["etag"],
                                     "Content-Type": "application/geo+json"})
        assert changed.status_code == 200, changed.text
        page.fill("#field-name", "競合テスト館（改称）")
        page.click("#attribute-form button[type=submit]")
        page.wait_for_selector("#conflict:not([hidden])")
        assert "先に更新しました" in page.text_content("#conflict")
        page.click("#conflict-reapply")
        wait_for_status(page, "保存しました。")
        assert seen.errors == [] or all("412" in e for e in seen.errors)
    final = httpx.get(f"{url}/{fid}").json()["properties"]
    assert final["name"] == "競合テスト館（改称）" and final["address"] == "別の人が直した住所"


def test_undo_of_an_addition_deletes_it(editor_server: LiveServer, browser: Any) -> None:
    url = f"{editor_server.url}/collections/facilities/items"
    with browser_page(browser) as (page, _seen):
        open_layer(page, editor_server.url, "facilities")
        fid = add_facility(page, "取り消しテスト館")
        assert httpx.get(f"{url}/{fid}").status_code == 200
        page.click("#undo")
        wait_for_status(page, "元に戻しました。")
    assert httpx.get(f"{url}/{fid}").status_code == 404


def test_a_polygon_drawn_with_the_mouse_is_saved(editor_server: LiveServer, browser: Any) -> None:
    with browser_page(browser, viewport={"width": 1280, "height": 800}) as (page, seen):
        open_layer(page, editor_server.url, "water_areas")
        page.click("button[data-mode=polygon]")
        assert page.get_attribute("button[data-mode=polygon]", "aria-pressed") == "true"
        box = page.locator("#map").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        corners = [(x - 100, y - 80), (x + 100, y - 80), (x + 100, y + 80), (x - 100, y + 80)]
        for cx, cy in [*corners, corners[0]]:  # clicking the first corner again closes it
            page.mouse.move(cx, cy)
            page.mouse.click(cx, cy)
            page.wait_for_timeout(150)
        page.wait_for_selector("#feature-panel:not([hidden])")
        page.fill("#field-name", "描いた池")
        page.fill("#field-kind", "pond")
        page.select_option("#field-is_sample", "false")
        page.click("#attribute-form button[type=submit]")
        page.wait_for_function("document.querySelector('#status').textContent.includes('追加しました')")
        fid = re.search(r"地物 (\d+) を追加", page.text_content("#status")).group(1)
        assert seen.errors == []
    feature = httpx.get(f"{editor_server.url}/collections/water_areas/items/{fid}").json()
    ring = feature["geometry"]["coordinates"][0]
    if feature["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    assert len(ring) == 5 and feature["properties"]["name"] == "描いた池"
