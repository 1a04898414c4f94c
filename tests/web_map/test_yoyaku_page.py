"""The citizens' booking pages in Debian's headless Chromium: search without an account (list
and map), a room's calendar reached from a map link, booking through the confirmation dialog
(with a refused party size shown, nothing written), the waiting list, the monthly lottery from
address to confirmed win, the seed check, English and phones; axe on each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import URL

from gis_core.database import psycopg_connect
from layers.facilities import households, lottery, lottery_draw
from layers.facilities.rooms import load_room, utcnow
from layers.facilities.schemas import RoundIn
from tests.browser import browser_page, in_db, serious_axe_violations
from tests.conftest import LiveServer
from tests.facilities.helpers import PASSWORD, make_person
from tests.helpers import run_db

pytestmark = pytest.mark.browser
READY = "window.citygisBookingReady === true"


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[tuple[LiveServer, URL]]:
    async def accounts(conn: asyncpg.Connection) -> None:
        await make_person(conn, "y_citizen", display_name="予約 花子")
        await make_person(conn, "y_second", display_name="予約 次郎")
        await make_person(conn, "y_lottery", display_name="抽選 三郎")
    run_db(fresh_module_db, accounts)
    with LiveServer(fresh_module_db) as live:
        yield live, fresh_module_db


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the 401 of /auth/me for a visitor who is not logged in."""
    return [e for e in errors if "401" not in e]


def log_in(page: Any, live: LiveServer, username: str, next_path: str) -> None:
    page.goto(f"{live.url}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    assert page.text_content("h1") == "ログイン（施設予約）"
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r":\d+/yoyaku"))


def wait_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s)?.textContent || '').includes(t)",
        arg=[selector, text])


def fetch(url: URL, sql: str, *args: object) -> list[tuple]:
    with psycopg_connect(url) as conn:
        return conn.execute(sql, args).fetchall()


def first_come_room(url: URL) -> tuple[int, str, int]:
    """A meeting room (first come), its name as the calendar shows it, and its capacity."""
    return fetch(url, "SELECT r.id, f.name || ' ' || r.name, r.capacity FROM room r "
                      "JOIN facility f ON f.id = r.facility_id WHERE r.active AND NOT r.lottery "
                      "AND r.kind = 'meeting_room' ORDER BY r.id LIMIT 1")[0]


def test_a_visitor_can_search_by_list_and_map(server, browser: Any) -> None:
    live, url = server
    with browser_page(browser) as (page, seen):
        page.goto(f"{live.url}/yoyaku")
        page.wait_for_function(READY)
        assert "室に空きがあります" in page.text_content("#search-status")
        page.wait_for_function("window.citygisResultsShown > 0")
        page.select_option("#kind", "japanese_room")
        page.click("#search-form button[type=submit]")
        page.wait_for_function("[...document.querySelectorAll('#results .meta:first-of-type')]"
                               ".every(m => m.textContent.startsWith('和室'))")
        facilities = fetch(url, "SELECT count(DISTINCT facility_id) FROM room "
                                "WHERE active AND kind = 'japanese_room'")[0][0]
        page.wait_for_function(f"window.citygisResultsShown === {facilities}")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and unexpected(seen.errors) == []


def test_a_map_link_opens_the_calendar_and_the_place(server, browser: Any) -> None:
    live, url = server
    room_id, name, _capacity = first_come_room(url)
    with browser_page(browser) as (page, seen):
        page.goto(f"{live.url}/yoyaku?room={room_id}&lon=139.4265&lat=35.7454")
        page.wait_for_function(READY)
        assert page.is_visible("#calendar-section")
        assert name in page.text_content("#calendar-title")
        assert page.locator("#calendar-table tbody tr").count() == 14
        assert page.input_value("#place") == "near"
        metas = [m for m in page.locator("#results .meta").all_text_contents() if "定員" in m]
        assert metas and all(m.endswith(" m") for m in metas)
        page.click("#calendar-next")
        wait_text(page, "#calendar-status", "予約できる枠")
        assert not page.is_disabled("#calendar-prev")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and unexpected(seen.errors) == []


def test_rooms_near_the_phone_s_own_position(server, browser: Any) -> None:
    live, _url = server
    here = {"geolocation": {"longitude": 139.4265, "latitude": 35.7454},
            "permissions": ["geolocation"]}
    with browser_page(browser, **here) as (page, seen):
        page.goto(f"{live.url}/yoyaku")
        page.wait_for_function(READY)
        assert page.is_hidden("#radius-field")
        page.select_option("#place", "here")
        page.select_option("#radius", "500")
        page.click("#search-form button[type=submit]")
        page.wait_for_function("document.querySelector('#results .meta')?.textContent"
                               ".endsWith(' m')")
        metas = page.locator("#results li > .meta:first-of-type").all_text_contents()
        distances = [int(m.rsplit("·", 1)[1].removesuffix(" m")) for m in metas]
        assert distances and max(distances) <= 500 and distances == sorted(distances)
        assert serious_axe_violations(page) == []
        assert seen.external == [] and unexpected(seen.errors) == []


def test_a_citizen_books_from_the_calendar_and_cancels(server, browser: Any) -> None:
    live, url = server
    room_id, _name, capacity = first_come_room(url)
    with browser_page(browser) as (page, seen):
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live, "y_citizen", f"/yoyaku?room={room_id}")
        page.wait_for_function(READY)
        assert page.text_content("#who") == "予約 花子"
        page.locator("#calendar-table .book-button").first.click()
        page.fill("#party-size", str(capacity + 1))
        page.evaluate("document.querySelector('#party-size').removeAttribute('max')")
        page.click("#book-form button[type=submit]")
        wait_text(page, "#book-error", "エラー")
        assert fetch(url, "SELECT count(*) FROM booking")[0][0] == 0
        page.fill("#party-size", "3")
        page.fill("#purpose", "自治会の打合せ")
        page.dblclick("#book-form button[type=submit]")  # sent once: no 409, one row
        wait_text(page, "#search-status", "予約しました")
        wait_text(page, "#calendar-table", "あなたの予約")
        page.wait_for_selector("#mine li")
        assert serious_axe_violations(page) == []
        booked = fetch(url, "SELECT lower(period) FROM booking")[0][0]
        change_booking(page, "#calendar-table button:has-text('人数を変更')", "5")
        change_booking(page, "#calendar-table .book-button >> nth=1", "5")
        page.click("#mine li button:has-text('取り消す')")
        wait_text(page, "#mine-status", "取り消しました。")
        assert [e for e in unexpected(seen.errors) if "422" not in e] == []
    rows = fetch(url, "SELECT b.status, b.party_size, b.purpose, lower(b.period) > %s "
                      "FROM booking b JOIN app_user u ON u.id = b.user_id "
                      "WHERE u.username = 'y_citizen'", booked)
    assert rows == [("cancelled", 5, "自治会の打合せ", True)]


def change_booking(page: Any, target: str, party_size: str) -> None:
    """'Change' on my booking, pick the target in the calendar, set the party size, save."""
    page.click("#mine li button:has-text('日時・人数を変更')")
    page.wait_for_selector("#calendar-move:not([hidden])")
    page.click(target)
    assert page.text_content("#book-title") == "予約の変更"
    page.fill("#party-size", party_size)
    page.click("#book-form button[type=submit]")
    wait_text(page, "#calendar-status", "予約を変更しました。")
    assert page.is_hidden("#calendar-move")


def test_a_citizen_waits_for_a_booked_time(server, browser: Any) -> None:
    live, url = server
    room_id, _name, _capacity = first_come_room(url)

    async def book_first_free(conn: asyncpg.Connection) -> None:
        room = await load_room(conn, room_id)
        slot = next(s for d in range(2, 9) for s in room.slots((utcnow() + timedelta(days=d))
                    .date()))
        holder = await conn.fetchval("SELECT id FROM app_user WHERE username = 'y_citizen'")
        await conn.execute("INSERT INTO booking (room_id, user_id, period, status, source) "
                           "VALUES ($1, $2, tstzrange($3, $4), 'confirmed', 'first_come')",
                           room_id, holder, slot.start, slot.end)
    in_db(url, book_first_free)
    with browser_page(browser) as (page, seen):
        log_in(page, live, "y_second", f"/yoyaku?room={room_id}")
        page.wait_for_function(READY)
        assert "予約 花子" not in page.content()
        page.locator("#calendar-table .wait-button").first.click()
        wait_text(page, "#calendar-status", "キャンセル待ちに登録しました")
        wait_text(page, "#waits", "1 番目")
        assert serious_axe_violations(page) == []
        assert unexpected(seen.errors) == []
    assert fetch(url, "SELECT w.status FROM waitlist_entry w JOIN app_user u ON u.id = w.user_id "
                      "WHERE u.username = 'y_second'") == [("waiting",)]


def choose(page: Any, slot_index: int) -> int:
    value = page.locator("#slot option:not([disabled])").nth(slot_index).get_attribute("value")
    page.select_option("#slot", value)
    page.click("#add-choice")
    return int(value)


def test_the_lottery_from_address_to_a_confirmed_win(server, browser: Any) -> None:
    live, url = server
    round_doc = in_db(url, lambda conn: lottery.create_round(conn, RoundIn(), None))
    with browser_page(browser) as (page, seen):
        log_in(page, live, "y_lottery", "/yoyaku/chusen")
        page.wait_for_function("window.citygisLotteryReady === true")
        assert page.is_hidden("#apply-form")
        page.fill("#address", "東京都東大和市中央3丁目930番地")
        page.click("#profile-form button[type=submit]")
        wait_text(page, "#profile-status", "市の確認待ち")
        user_id = fetch(url, "SELECT id FROM app_user WHERE username = 'y_lottery'")[0][0]
        in_db(url, lambda conn: households.verify(conn, user_id, None))
        page.reload()
        page.wait_for_function("window.citygisLotteryReady === true")
        assert page.is_visible("#apply-form")
        first, second = choose(page, 0), choose(page, 1)
        page.locator("#choices li").first.locator("button:has-text('下へ')").click()
        assert serious_axe_violations(page) == []
        page.click("#apply-form button[type=submit]")
        wait_text(page, "#apply-status", "申し込みました")
        wait_text(page, "#entries", "抽選前")
        choices = fetch(url, "SELECT c.slot_id FROM lottery_choice c JOIN lottery_entry e "
                             "ON e.id = c.entry_id WHERE e.user_id = %s ORDER BY c.rank", user_id)
        assert [c[0] for c in choices] == [second, first]

        async def draw_and_reveal(conn: asyncpg.Connection) -> None:
            after = utcnow() + timedelta(days=40)
            closes = await conn.fetchval("SELECT closes_at FROM lottery_round WHERE id = $1",
                                         round_doc["id"])
            await lottery_draw.run_draw(conn, round_doc["id"], now=max(after, closes))
            await lottery_draw.reveal(conn, round_doc["id"])
        in_db(url, draw_and_reveal)
        page.reload()
        page.wait_for_function("window.citygisLotteryReady === true")
        wait_text(page, "#entries", "当選（第1希望）")
        wait_text(page, "#drawn .seed-check", "✓")
        page.click("#entries a:has-text('確定する')")
        page.wait_for_function(READY)
        page.click("#mine li button:has-text('当選を確定する')")
        wait_text(page, "#mine-status", "当選を確定しました。")
        assert unexpected(seen.errors) == []
    assert fetch(url, "SELECT status FROM booking WHERE user_id = %s", user_id) == [("confirmed",)]


def test_english_on_a_phone(server, browser: Any) -> None:
    live, url = server
    room_id, _name, _capacity = first_come_room(url)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    for path, ready, title in ((f"/yoyaku?room={room_id}", READY, "Book a facility"),
                               ("/yoyaku/chusen", "window.citygisLotteryReady === true",
                                "Facility lottery")):
        with browser_page(browser, **phone) as (page, seen):
            page.goto(f"{live.url}{path}")
            page.wait_for_function(ready)
            page.click("#lang-switch")
            wait_text(page, "h1", title)
            assert page.evaluate("document.documentElement.lang") == "en"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert serious_axe_violations(page) == []
            assert seen.external == [] and unexpected(seen.errors) == []
            page.click("#lang-switch")
