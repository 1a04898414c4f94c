"""The facility staff's page in Debian's headless Chromium: change a room and close a day, add a
room, change a room's units and opening hours (and a refused change), retire rooms, open / draw /
reveal a lottery round and check its seed, the day's bookings with their holders (and a
cancellation), address verification, logging out; axe, phone width, who may open it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.database import psycopg_connect
from layers.facilities import lottery, room_admin
from layers.facilities.households import household_key
from layers.facilities.ledger import insert_booking
from layers.facilities.rooms import JAPAN
from layers.facilities.schemas import EntryIn, RoomIn
from tests.browser import browser_page, in_db, serious_axe_violations
from tests.conftest import LiveServer
from tests.helpers import run_db

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
PATH = "/yoyaku/kanri"
TODAY = datetime.now(JAPAN).date()


async def citizen(conn: asyncpg.Connection, username: str, name: str, address: str,
                  verified: bool) -> int:
    user_id = await service.create_user(conn, username, PASSWORD, name, {Role.CITIZEN})
    await conn.execute("INSERT INTO citizen_profile (user_id, address, household_key, verified) "
                       "VALUES ($1, $2, $3, $4)", user_id, address, household_key(address),
                       verified)
    return user_id


async def accounts(conn: asyncpg.Connection) -> None:
    await service.create_user(conn, "k_staff", PASSWORD, "施設 係長", {Role.FACILITY_STAFF})
    holder = await citizen(conn, "k_citizen", "予約 一郎", "中央3-1-1", verified=False)
    await citizen(conn, "k_winner", "抽選 二郎", "中央1-2-3", verified=True)
    room = await conn.fetchval("SELECT min(id) FROM room WHERE active AND NOT lottery")
    for day, hour in ((TODAY, 0), (TODAY + timedelta(days=1), 10)):
        start = datetime.combine(day, time(hour), tzinfo=JAPAN)
        await insert_booking(conn, room, holder, start, start + timedelta(minutes=30), 4, "句会")


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[tuple[LiveServer, URL]]:
    run_db(fresh_module_db, accounts)
    with LiveServer(fresh_module_db) as live:
        yield live, fresh_module_db


def log_in(page: Any, base: str, username: str = "k_staff") -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{base}/login?next={PATH}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r"/yoyaku/kanri$"))
    page.wait_for_function("window.citygisKanriReady === true")


def status_is(page: Any, section: str, text: str) -> None:
    page.wait_for_function(
        f"document.querySelector('#{section}-status').textContent.includes({text!r})")


def fetch(url: URL, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with psycopg_connect(url) as conn:
        return conn.execute(sql, args).fetchall()


def test_staff_change_a_room_close_a_day_and_add_a_room(server, browser: Any) -> None:
    live, url = server
    [(room_id, name, facility)] = fetch(
        url, "SELECT id, name, facility_id FROM room WHERE active AND NOT lottery "
             "ORDER BY facility_id, name LIMIT 1")
    with browser_page(browser) as (page, seen):
        log_in(page, live.url)
        assert "室を表示しています" in page.text_content("#rooms-status")
        assert not page.is_visible(f"#room-{room_id}")
        page.click(f"#facility-{facility} > summary")
        page.click(f"#room-{room_id} > summary")
        page.fill(f"#cap-{room_id}", "77")
        page.click(f"#room-{room_id} .room-form button[type=submit]")
        status_is(page, "rooms", f"{name} を保存しました")
        assert fetch(url, "SELECT capacity FROM room WHERE id = %s", room_id) == [(77,)]
        page.uncheck(f"#act-{room_id}")
        page.click(f"#room-{room_id} .room-form button[type=submit]")
        page.wait_for_function(f"document.querySelector('#room-{room_id} summary')"
                               ".textContent.includes('休止中')")
        page.check(f"#act-{room_id}")
        page.click(f"#room-{room_id} .room-form button[type=submit]")
        page.wait_for_function(f"!document.querySelector('#room-{room_id} summary')"
                               ".textContent.includes('休止中')")
        assert fetch(url, "SELECT active FROM room WHERE id = %s", room_id) == [(True,)]
        closed = (TODAY + timedelta(days=9)).isoformat()
        page.fill(f"#close-day-{room_id}", closed)
        page.click(f"#room-{room_id} .closure-form button[type=submit]")
        status_is(page, "rooms", f"{closed} は休館にしました")
        assert fetch(url, "SELECT day::text, reason FROM room_closure WHERE room_id = %s",
                     room_id) == [(closed, "臨時休館")]
        page.click(f"#room-{room_id} .closures button")
        status_is(page, "rooms", f"{closed} を再開しました")
        assert fetch(url, "SELECT 1 FROM room_closure WHERE room_id = %s", room_id) == []
        page.fill("#new-name", "多目的室（職員画面）")
        page.select_option("#new-kind", "studio")
        page.fill("#new-capacity", "15")
        page.fill("#new-fee", "400")
        page.click("#new-room-form .defaults > summary")
        page.uncheck("#new-day-7-open")
        page.dblclick("#new-room-form button[type=submit]")  # one room, not two
        status_is(page, "rooms", "多目的室（職員画面） を追加しました")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []
    [(new_id, capacity, fee)] = fetch(url, "SELECT id, capacity, fee_yen FROM room "
                                           "WHERE name = '多目的室（職員画面）'")
    assert (capacity, fee) == (15, 400)
    assert fetch(url, "SELECT label, starts::text, ends::text FROM room_unit WHERE room_id = %s "
                      "ORDER BY starts", new_id) == [("午前", "09:00:00", "12:00:00"),
                                                     ("午後", "13:00:00", "17:00:00"),
                                                     ("夜間", "18:00:00", "21:30:00")]
    assert fetch(url, "SELECT array_agg(weekday ORDER BY weekday) FROM room_hours "
                      "WHERE room_id = %s", new_id) == [([1, 2, 3, 4, 5, 6],)]


def enter_and_close(url: URL, month: str) -> None:
    """A verified citizen enters the round while it is open; then its window closes."""
    async def run(conn: asyncpg.Connection) -> None:
        round_id, slot = await conn.fetchrow(
            "SELECT r.id, min(s.id) FROM lottery_round r JOIN lottery_slot s ON s.round_id = r.id "
            "WHERE to_char(r.month, 'YYYY-MM') = $1 GROUP BY r.id", month)
        winner = await conn.fetchval("SELECT id FROM app_user WHERE username = 'k_winner'")
        await lottery.apply(conn, round_id, winner, EntryIn(choices=[slot]))
        await conn.execute("UPDATE lottery_round SET opens_at = now() - interval '2 days', "
                           "closes_at = now() - interval '1 minute' WHERE id = $1", round_id)
    in_db(url, run)


def test_staff_open_draw_reveal_and_verify_a_lottery_round(server, browser: Any) -> None:
    live, url = server
    with browser_page(browser) as (page, seen):
        log_in(page, live.url)
        page.fill("#round-max", "2")
        page.click("#round-form button[type=submit]")
        status_is(page, "lottery", "の抽選回を開きました")
        [(round_id, month, choices)] = fetch(
            url, "SELECT id, to_char(month, 'YYYY-MM'), max_choices FROM lottery_round")
        assert choices == 2
        assert page.text_content(f"#round-{round_id} code") == fetch(
            url, "SELECT seed_commitment FROM lottery_round")[0][0]
        page.click(f"#round-{round_id} button:has-text('抽選する')")
        status_is(page, "lottery", "エラー: applications are still open")
        enter_and_close(url, month)
        page.click(f"#round-{round_id} button:has-text('抽選する')")
        status_is(page, "lottery", "当選 1 件")
        page.click(f"#round-{round_id} button:has-text('種を公開')")
        status_is(page, "lottery", "種を公開しました")
        page.wait_for_selector("#seed-check")
        assert page.text_content("#seed-check").startswith("✓")
        assert page.text_content("#digest-check").startswith("✓")
        assert page.text_content("#verify-command") == (
            f"citygis lottery verify {round_id} --url {live.url}")
        page.click("#lang-switch")
        page.wait_for_function(
            "document.querySelector('#seed-check').textContent.startsWith('✓ SHA-256')")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and [e for e in seen.errors if "409" not in e] == []
    assert fetch(url, "SELECT status, revealed_at IS NOT NULL FROM lottery_round") == [
        ("drawn", True)]


def test_the_days_bookings_show_their_holders_and_staff_cancel_one(server, browser: Any) -> None:
    live, url = server
    with browser_page(browser) as (page, seen):
        log_in(page, live.url)
        page.wait_for_selector("#day-bookings li")
        assert page.input_value("#day") == TODAY.isoformat()
        today = page.text_content("#day-bookings")
        assert "予約 一郎（k_citizen）" in today and "4 人" in today and "確定" in today
        page.fill("#day", (TODAY + timedelta(days=1)).isoformat())
        page.click("#day-form button[type=submit]")
        status_is(page, "today", f"{TODAY + timedelta(days=1)} の予約 1 件")
        page.click("#day-bookings li button")
        status_is(page, "today", "を取り消しました")
        assert "取消" in page.text_content("#day-bookings")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []
    assert fetch(url, "SELECT status FROM booking WHERE lower(period) > now() AND user_id = "
                      "(SELECT id FROM app_user WHERE username = 'k_citizen')") == [("cancelled",)]


def test_staff_verify_a_pending_address(server, browser: Any) -> None:
    live, url = server
    with browser_page(browser) as (page, seen):
        log_in(page, live.url)
        page.wait_for_selector("#pending li")
        assert "中央3-1-1" in page.text_content("#pending")
        page.focus("#pending button[aria-label*='予約 一郎']")
        page.keyboard.press("Enter")
        status_is(page, "verify", "予約 一郎 さんの住所を確認済みにしました")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []
    assert fetch(url, "SELECT verified FROM citizen_profile p JOIN app_user u ON u.id = p.user_id "
                      "WHERE u.username = 'k_citizen'") == [(True,)]


def test_english_and_a_phone_screen(server, browser: Any) -> None:
    live, _url = server
    with browser_page(browser, viewport={"width": 390, "height": 844}) as (page, seen):
        log_in(page, live.url)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.click("#lang-switch")
        page.wait_for_function("document.documentElement.lang === 'en'")
        assert page.text_content("#rooms-title") == "Facilities and rooms"
        page.click(".facility > summary")
        page.click(".room > summary")
        page.click("#new-room-form .defaults > summary")
        page.click(".room .add-unit")
        assert page.text_content(".room .units > legend") == "Booking units"
        assert page.text_content(".room .weekday > legend") == "Monday"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        small = page.evaluate(
            "[...document.querySelectorAll('button, .kanri-nav a, header a, summary, label.check, "
            ".schedule input:not([type=checkbox])')]"
            ".filter(b => b.offsetParent && b.getBoundingClientRect().height < 44)"
            ".map(b => b.outerHTML.slice(0, 80))")
        assert small == []
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []


def test_only_staff_may_open_the_page(server) -> None:
    live, _url = server
    with httpx.Client(base_url=live.url) as client:
        sent = client.get(PATH)
        assert (sent.status_code, sent.headers["location"]) == (303, "/login?next=/yoyaku/kanri")
        client.post("/auth/login", json={"username": "k_citizen", "password": PASSWORD})
        page = client.get(PATH, headers={"Accept": "text/html"})
        assert page.status_code == 403 and "権限がありません" in page.text
        problem = client.get(PATH, headers={"Accept": "application/json"})
        assert problem.status_code == 403
        assert problem.headers["content-type"] == "application/problem+json"


def open_room(page: Any, url: URL, room_id: int) -> None:
    [(facility,)] = fetch(url, "SELECT facility_id FROM room WHERE id = %s", room_id)
    page.click(f"#facility-{facility} > summary")
    page.click(f"#room-{room_id} > summary")


def units_and_hours(url: URL, room_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    return (fetch(url, "SELECT label, starts::text, ends::text FROM room_unit WHERE room_id = %s "
                       "ORDER BY starts", room_id),
            fetch(url, "SELECT weekday, opens::text, closes::text FROM room_hours "
                       "WHERE room_id = %s ORDER BY weekday", room_id))


def test_staff_change_a_rooms_units_and_hours_and_see_a_refusal(server, browser: Any) -> None:
    live, url = server
    [(room_id, name, capacity)] = fetch(
        url, "SELECT id, name, capacity FROM room WHERE name LIKE '集会室B%%' ORDER BY id DESC "
             "LIMIT 1")
    assert units_and_hours(url, room_id)[1] == [(d, "09:00:00", "21:30:00") for d in range(2, 8)]
    with browser_page(browser) as (page, seen):
        log_in(page, live.url)
        open_room(page, url, room_id)
        unit = f"#r{room_id}-unit"
        assert page.input_value(f"{unit}-3-label") == "夜間"
        assert not page.is_checked(f"#r{room_id}-day-1-open")  # closed on Mondays already
        page.fill(f"{unit}-3-label", "夜間（短縮）")
        page.fill(f"{unit}-3-ends", "21:00")
        page.click(f"#room-{room_id} .add-unit")
        assert page.evaluate("document.activeElement.id") == f"r{room_id}-unit-4-label"
        page.fill(f"{unit}-4-label", "昼")
        page.fill(f"{unit}-4-starts", "12:00")
        page.fill(f"{unit}-4-ends", "13:00")
        page.click(f"#room-{room_id} .add-unit")
        page.click(f"#room-{room_id} button[aria-label='区分 5 を削除']")
        assert not page.is_visible(f"{unit}-5-label")
        page.uncheck(f"#r{room_id}-day-7-open")
        assert page.is_disabled(f"#r{room_id}-day-7-opens")
        page.check(f"#r{room_id}-day-1-open")  # reopening Monday offers the usual hours …
        assert page.input_value(f"#r{room_id}-day-1-closes") == "21:30"
        page.uncheck(f"#r{room_id}-day-1-open")  # … but staff keep it closed
        with page.expect_request(lambda r: r.method == "PATCH") as sent:
            page.click(f"#room-{room_id} .room-form button[type=submit]")
        assert set(sent.value.post_data_json) == {"units", "hours"}  # only what changed
        status_is(page, "rooms", f"{name} を保存しました")
        assert page.evaluate("document.activeElement.textContent") == "保存"
        saved = units_and_hours(url, room_id)
        assert saved == ([("午前", "09:00:00", "12:00:00"), ("昼", "12:00:00", "13:00:00"),
                          ("午後", "13:00:00", "17:00:00"),
                          ("夜間（短縮）", "18:00:00", "21:00:00")],
                         [(d, "09:00:00", "21:30:00") for d in range(2, 7)])
        assert not page.is_checked(f"#r{room_id}-day-7-open")  # the page shows what was saved
        page.fill(f"{unit}-4-ends", "22:00")  # after closing (21:30) on every day
        page.fill(f"#cap-{room_id}", "5")
        page.click(f"#room-{room_id} .room-form button[type=submit]")
        page.wait_for_function(f"document.querySelector('#room-status-{room_id}')"
                               ".textContent.includes('outside the opening hours of every day')")
        assert "エラー" in page.text_content(f"#room-status-{room_id}")
        assert units_and_hours(url, room_id) == saved
        assert fetch(url, "SELECT capacity FROM room WHERE id = %s", room_id) == [(capacity,)]
        assert page.input_value(f"{unit}-4-ends") == "22:00"  # what staff typed stays
        page.click(f"#room-{room_id} .add-unit")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and [e for e in seen.errors if "422" not in e] == []


async def two_rooms(conn: asyncpg.Connection) -> tuple[int, int]:
    """A room never booked and one with a booking on record."""
    def room(name: str) -> RoomIn:
        return RoomIn(facility_id=1, name=name, kind="meeting_room", capacity=8, fee_yen=0,
                      units=[{"label": "午前", "starts": "09:00", "ends": "12:00"}],
                      hours=[{"weekday": d, "opens": "09:00", "closes": "17:00"}
                             for d in range(1, 8)])
    unused = (await room_admin.create_room(conn, room("廃止する部屋（未使用）")))["id"]
    used = (await room_admin.create_room(conn, room("廃止する部屋（利用あり）")))["id"]
    holder = await conn.fetchval("SELECT id FROM app_user WHERE username = 'k_citizen'")
    start = datetime.combine(TODAY + timedelta(days=3), time(9), tzinfo=JAPAN)
    await insert_booking(conn, used, holder, start, start + timedelta(hours=3), 2, None)
    return unused, used


def test_staff_retire_a_room_deleted_without_history_deactivated_with(server,
                                                                       browser: Any) -> None:
    live, url = server
    unused, used = in_db(url, two_rooms)
    with browser_page(browser) as (page, seen):
        log_in(page, live.url)
        open_room(page, url, unused)
        page.click(f"#room-{unused} .retire-button")
        status_is(page, "rooms", "廃止する部屋（未使用） には予約の記録がなかったため、削除")
        assert not page.is_visible(f"#room-{unused}")
        page.click(f"#room-{used} > summary")
        page.click(f"#room-{used} .retire-button")
        status_is(page, "rooms", "予約の記録があるため、削除せず休止にしました")
        assert "休止中" in page.text_content(f"#room-{used} > summary")
        assert not page.is_checked(f"#act-{used}")
        assert serious_axe_violations(page) == []
        assert seen.external == [] and seen.errors == []
    assert fetch(url, "SELECT id FROM room WHERE id = %s", unused) == []
    assert fetch(url, "SELECT active FROM room WHERE id = %s", used) == [(False,)]


def test_staff_log_out_and_reach_the_citizens_page(server, browser: Any) -> None:
    live, _url = server
    with browser_page(browser, viewport={"width": 390, "height": 844}) as (page, seen):
        log_in(page, live.url)
        assert page.text_content("header a[href='/yoyaku']") == "市民向け予約ページ"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert serious_axe_violations(page) == []
        page.click("#logout")
        page.wait_for_url(f"{live.url}/login?next=/yoyaku/kanri")
        page.wait_for_selector("#login-form")
        assert page.evaluate("fetch('/auth/me').then((r) => r.status)") == 401
        assert seen.external == [] and [e for e in seen.errors if "401" not in e] == []
