"""Hostile text everywhere, every page and export opened in Chromium (issue 12).

Every text attribute of every layer, a planner's layer (title, source, field titles, features),
crowd-report notes, the emergency message, rooms, booking purposes, holders' names and
addresses hold markup and script. Each page is opened as the role that sees that data, with
tooltips and panels opened; nothing may run (``window.__xss`` is a tripwire, a dialog fails).
The Content-Security-Policy is bypassed here on purpose: it would hide a missing escape, and
it has tests of its own (tests/api/test_security_headers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from layers import load_catalog
from layers.facilities import lottery
from layers.facilities.households import household_key
from layers.facilities.ledger import insert_booking
from layers.facilities.rooms import JAPAN
from layers.facilities.schemas import RoundIn
from tests.api.editing import PASSWORD, Editing, editing_server
from tests.browser import browser_page

pytestmark = pytest.mark.browser
PAYLOADS = (
    '<img src=x onerror="window.__xss=1">',
    '"><script>window.__xss=1</script>',
    "${window.__xss=1}",
    "`;window.__xss=1;`",
    "</script><script>window.__xss=1</script>",
    "javascript:window.__xss=1",
    "'><svg onload=alert(1)>",
    "{{ range.__name__ ~ 7*191 }}",  # a Jinja template on the server would write range1337
)
SERVER_TEMPLATE_RAN = "range1337"
TRIPWIRE = """Object.defineProperty(window, '__xss', {
  set() { window.__xssHits = (window.__xssHits || 0) + 1; }, get() { return undefined; }});"""
TODAY = datetime.now(JAPAN).date()
HALL = (139.4265, 35.7454)
PLANNER_LAYER = "xss_notes"
CITY_LAYERS = list(load_catalog())


def hostile(index: int) -> str:
    return PAYLOADS[index % len(PAYLOADS)]


async def _every_text_attribute(conn: asyncpg.Connection) -> None:
    """Each string field of each layer's table, row by row a different payload; fields whose
    constraints refuse markup (codes, statuses) keep their values."""
    for layer in CITY_LAYERS:
        if await conn.fetchval("SELECT relkind::text FROM pg_class WHERE oid = $1::regclass",
                               layer.table) != "r":
            continue  # a view of other tables
        for index, field in enumerate(f for f in layer.fields if f.type == "string"):
            try:
                async with conn.transaction():
                    await conn.execute(
                        f'UPDATE {layer.table} SET "{field.name}" = ($1::text[])'
                        f"[1 + (abs(hashtext(ctid::text)) + {index}) % {len(PAYLOADS)}]",
                        list(PAYLOADS))
            except asyncpg.IntegrityConstraintViolationError:
                continue


async def _people_and_bookings(conn: asyncpg.Connection) -> None:
    await service.create_user(conn, "x_staff", PASSWORD, hostile(0), {Role.FACILITY_STAFF})
    holder = await service.create_user(conn, "x_citizen", PASSWORD, hostile(1), {Role.CITIZEN})
    await conn.execute("INSERT INTO citizen_profile (user_id, address, household_key, verified) "
                       "VALUES ($1, $2, $3, false)", holder, hostile(2), household_key("x"))
    await conn.execute("UPDATE room SET name = left($1, 90) || id", hostile(3))
    room = await conn.fetchval("SELECT min(id) FROM room WHERE active AND NOT lottery")
    for day, hour, purpose in ((TODAY, 0, 4), (TODAY + timedelta(days=1), 10, 5)):
        start = datetime.combine(day, time(hour), tzinfo=JAPAN)
        await insert_booking(conn, room, holder, start, start + timedelta(minutes=30), 2,
                             hostile(purpose))
    await conn.execute("UPDATE app_user SET display_name = $1 WHERE username = 'planner1'",
                       hostile(6))
    window = {"opens_at": datetime(2026, 1, 1, tzinfo=UTC),
              "closes_at": datetime(2029, 12, 1, tzinfo=UTC),
              "confirm_by": datetime(2029, 12, 10, tzinfo=UTC)}
    await lottery.create_round(conn, RoundIn(month=date(2030, 1, 1), **window), None)


async def _sources(conn: asyncpg.Connection) -> None:
    await conn.execute("UPDATE dataset SET attribution = $1 || attribution, "
                       "source_ja = $2 || source_ja, license = $3", *PAYLOADS[:3])


async def _emergency(conn: asyncpg.Connection) -> None:
    await conn.execute("UPDATE emergency_state SET active = true, message_ja = $1, "
                       "message_en = $2", hostile(0), hostile(2))
    for index, _payload in enumerate(PAYLOADS):
        await conn.execute("INSERT INTO crowd_report (category, note, geom) VALUES "
                           "('blocked_road', $1, ST_Point($2, $3, 4326))", hostile(index),
                           HALL[0] + index * 0.001, HALL[1])


async def plant(conn: asyncpg.Connection) -> None:
    await _every_text_attribute(conn)
    await _sources(conn)
    await _people_and_bookings(conn)
    await _emergency(conn)


def planner_layer(editing: Editing) -> None:
    """A planner's layer whose title, source, licence and field titles are hostile."""
    planner = editing.client("planner1")
    spec = {"id": PLANNER_LAYER, "geometry_type": "Point", "title_ja": hostile(0),
            "title_en": hostile(1), "description_ja": hostile(2), "source": hostile(0),
            "license": hostile(5),
            "fields": [{"name": "note", "type": "string", "title_ja": hostile(7),
                        "title_en": hostile(3)}]}
    assert planner.post("/layers", json=spec).status_code == 201
    for index, payload in enumerate(PAYLOADS):
        feature = {"type": "Feature", "properties": {"note": payload}, "geometry": {
            "type": "Point", "coordinates": [HALL[0] + index * 0.002, HALL[1]]}}
        created = planner.post(f"/collections/{PLANNER_LAYER}/items", json=feature,
                               headers={"Content-Type": "application/geo+json"})
        assert created.status_code == 201, created.text


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[Editing]:
    from tests.helpers import run_db

    run_db(fresh_module_db, plant)
    with editing_server(fresh_module_db) as editing:
        planner_layer(editing)
        report = httpx.post(f"{editing.live.url}/reports", data={
            "category": "fire", "note": hostile(1), "lon": str(HALL[0]), "lat": str(HALL[1])})
        assert report.status_code == 201, report.text
        yield editing


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with browser_page(browser) as (found, seen):
        found.add_init_script(TRIPWIRE)
        dialogs: list[str] = []
        found.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        found.dialogs = dialogs
        found.seen = seen
        yield found


def log_in(page: Any, base: str, username: str) -> None:
    answer = page.request.post(f"{base}/auth/login",
                               data={"username": username, "password": PASSWORD})
    assert answer.ok, answer.text()


def assert_nothing_ran(page: Any, where: str) -> None:
    page.wait_for_timeout(300)  # images' onerror, late handlers
    hits = page.evaluate("() => window.__xssHits || 0")
    assert hits == 0 and page.dialogs == [], f"script ran on {where}: {hits} {page.dialogs}"
    assert SERVER_TEMPLATE_RAN not in page.content(), f"a template ran on the server: {where}"


def visit(page: Any, url: str, ready: str | None = None) -> None:
    response = page.goto(url)
    assert response.status < 400, f"{url}: {response.status}"
    if ready:
        page.wait_for_function(f"window.{ready} === true")
    page.wait_for_load_state("load")


def html_pages_of_the_api(base: str, layer_ids: list[str]) -> list[str]:
    pages = ["/?f=html", "/conformance?f=html", "/collections?f=html", "/tiles?f=html"]
    for layer_id in layer_ids:
        pages += [f"/collections/{layer_id}?f=html", f"/collections/{layer_id}/items?f=html",
                  f"/collections/{layer_id}/items/1?f=html",
                  f"/collections/{layer_id}/tiles?f=html"]
    return [base + p for p in pages]


PUBLIC_LAYERS = [layer.id for layer in CITY_LAYERS if layer.is_public] + [PLANNER_LAYER]


def test_the_citizens_pages_run_no_planted_script(server: Editing, page: Any) -> None:
    base = server.live.url
    visit(page, f"{base}/", "citygisReady")
    page.wait_for_selector("#emergency-banner:not([hidden])")
    page.click("#here-button")  # the place's details and what is near it
    page.wait_for_timeout(1000)
    page.fill("#search-input", "xss")
    page.wait_for_timeout(1000)
    assert_nothing_ran(page, "/")
    for path, ready in (("/bousai", None), ("/yoyaku", "citygisBookingReady"),
                        ("/yoyaku/chusen", "citygisLotteryReady"), ("/login", None),
                        ('/login?next=/"><img src=x onerror="window.__xss=1">', None)):
        visit(page, base + path, ready)
        assert_nothing_ran(page, path)


def test_the_api_pages_run_no_planted_script(server: Editing, page: Any) -> None:
    for url in html_pages_of_the_api(server.live.url, PUBLIC_LAYERS):
        response = page.goto(url)
        assert response.status in (200, 404), f"{url}: {response.status}"
        assert_nothing_ran(page, url)


OPEN_EVERY_TOOLTIP = """() => {
  const maps = Object.keys(window).filter((k) => /^map_[0-9a-f]+$/.test(k)).map((k) => window[k]);
  const shown = [];
  for (const map of maps) map.eachLayer((layer) => {
    const tooltip = layer.getTooltip?.();
    if (!tooltip || !layer.eachLayer) return;
    layer.eachLayer((feature) => {
      const content = tooltip._content;
      const node = typeof content === 'function' ? content(feature) : content;
      const holder = document.createElement('div');
      if (typeof node === 'string') holder.innerHTML = node; else holder.append(node);
      document.body.append(holder);
      shown.push(holder.textContent);
    });
    layer.openTooltip();
  });
  return shown;
}"""


def open_export(page: Any, url: str) -> list[str]:
    visit(page, url)
    page.wait_for_selector(".leaflet-container")
    page.locator(".leaflet-interactive").first.hover(force=True)
    return page.evaluate(OPEN_EVERY_TOOLTIP)


def test_every_export_runs_no_planted_script(server: Editing, page: Any) -> None:
    base = server.live.url
    for layer_id in PUBLIC_LAYERS:
        url = f"{base}/collections/{layer_id}/map.html"
        tooltips = open_export(page, url)
        assert_nothing_ran(page, url)
    assert any(PAYLOADS[0] in text for text in tooltips), "the planted text is shown as text"
    assert any(PAYLOADS[-1] in text for text in tooltips)
    layer_control = page.text_content(".leaflet-control-layers")
    assert hostile(0) in layer_control
    assert hostile(0) in page.text_content(".leaflet-control-attribution")
    log_in(page, base, "officer")
    for path in ("/exposure/map.html", "/collections/crowd_reports/map.html"):
        tooltips = open_export(page, base + path)
        assert_nothing_ran(page, path)
    assert any(PAYLOADS[0] in text for text in tooltips)


def test_the_staff_pages_run_no_planted_script(server: Editing, page: Any) -> None:
    base = server.live.url
    log_in(page, base, "planner1")
    visit(page, f"{base}/editor", "citygisEditorReady")
    for layer_id in (PLANNER_LAYER, "facilities"):
        page.select_option("#layer-select", layer_id)
        page.wait_for_selector("#feature-list li")
        page.locator("#feature-list li button, #feature-list li").first.click()
        page.wait_for_selector("#feature-panel:not([hidden])")
        page.click("#history-button")
        page.wait_for_timeout(500)
        assert_nothing_ran(page, f"/editor ({layer_id})")
    log_in(page, base, "officer")
    visit(page, f"{base}/disaster/dashboard", "citygisDashboardReady")
    page.wait_for_selector("#report-rows tr")
    assert_nothing_ran(page, "/disaster/dashboard")
    log_in(page, base, "x_staff")
    visit(page, f"{base}/yoyaku/kanri", "citygisKanriReady")
    page.wait_for_selector("#day-bookings li")
    page.wait_for_selector("#pending li")
    assert_nothing_ran(page, "/yoyaku/kanri")
    log_in(page, base, "admin1")
    visit(page, f"{base}/audit?f=html")
    assert_nothing_ran(page, "/audit")


def test_a_citizen_sees_their_bookings_without_planted_script(server: Editing, page: Any) -> None:
    base = server.live.url
    log_in(page, base, "x_citizen")
    visit(page, f"{base}/yoyaku", "citygisBookingReady")
    page.wait_for_selector("#mine li")
    assert hostile(3) in page.text_content("#mine")  # the room's name, as text
    assert_nothing_ran(page, "/yoyaku (mine)")
    visit(page, f"{base}/yoyaku/chusen", "citygisLotteryReady")
    assert_nothing_ran(page, "/yoyaku/chusen")
