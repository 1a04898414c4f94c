"""Emergency mode and citizens' reports: who may report when, photos stripped of metadata,
duplicates suggested within 50 m, officers' triage, bad input, rate limits, audit."""

from __future__ import annotations

import io
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from PIL import Image
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.database import psycopg_connect
from tests.conftest import LiveServer
from tests.helpers import run_db

PASSWORD = "correct horse battery"
HALL = (139.4265, 35.7454)
METRE_LON, METRE_LAT = 1 / 90_370, 1 / 111_320  # degrees per metre near 35.75° N


@pytest.fixture(scope="module")
def live(fresh_module_db: URL) -> Iterator[tuple[LiveServer, URL, dict[str, str]]]:
    async def accounts(conn: asyncpg.Connection) -> dict[str, str]:
        tokens = {}
        for name, role in (("officer", Role.DISASTER_OFFICER), ("citizen", Role.CITIZEN)):
            user_id = await service.create_user(conn, f"r_{name}", PASSWORD, name, {role})
            tokens[name] = await service.create_token(conn, user_id, "test")
        return tokens
    tokens = run_db(fresh_module_db, accounts)
    with LiveServer(fresh_module_db) as server:
        yield server, fresh_module_db, tokens


@pytest.fixture
def client(live: tuple[LiveServer, URL, dict[str, str]]) -> Iterator[httpx.Client]:
    server, url = live[0], live[1]
    with psycopg_connect(url) as conn:  # each test starts with a fresh allowance
        conn.execute("DELETE FROM rate_hit WHERE bucket = 'reports'")
    with httpx.Client(base_url=server.url, timeout=30) as found:
        yield found


def auth(tokens: dict[str, str], who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[who]}"}


def set_emergency(client: httpx.Client, tokens: dict[str, str], active: bool) -> None:
    response = client.put("/emergency", headers=auth(tokens, "officer"),
                          json={"active": active, "message_ja": "避難してください"})
    assert response.status_code == 200, response.text


def report(client: httpx.Client, east_m: float = 0, category: str = "blocked_road",
           photo: bytes | None = None, **fields: str) -> httpx.Response:
    data = {"lon": str(HALL[0] + east_m * METRE_LON), "lat": str(HALL[1]),
            "category": category, "note": "倒木で通れません", **fields}
    files = {"photo": ("photo.jpg", photo, "image/jpeg")} if photo is not None else None
    return client.post("/reports", data=data, files=files)


def jpeg_with_exif(size: tuple[int, int] = (3000, 2000)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    exif[0x013B] = "山田太郎"  # Artist
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def count_reports(url: URL) -> int:
    with psycopg_connect(url) as conn:
        return conn.execute("SELECT count(*) FROM crowd_report").fetchone()[0]


def test_anonymous_reports_need_emergency_mode(live, client: httpx.Client) -> None:
    _server, _url, tokens = live
    set_emergency(client, tokens, False)
    refused = report(client)
    assert refused.status_code == 401 and refused.headers["content-type"].startswith(
        "application/problem+json")
    signed_in = client.post("/reports", headers=auth(tokens, "citizen"),
                            data={"lon": str(HALL[0]), "lat": str(HALL[1]),
                                  "category": "fire", "note": ""})
    assert signed_in.status_code == 201
    set_emergency(client, tokens, True)
    assert client.get("/emergency").json()["active"] is True
    assert report(client, category="fire").status_code == 201


def test_photos_are_stored_without_metadata_and_shrunk(live, client: httpx.Client) -> None:
    _server, _url, tokens = live
    set_emergency(client, tokens, True)
    created = report(client, photo=jpeg_with_exif(), category="building_damage")
    assert created.status_code == 201, created.text
    photo = client.get(f"/reports/{created.json()['id']}/photo", headers=auth(tokens, "officer"))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(photo.content))
    assert max(image.size) == 2048 and len(image.getexif()) == 0
    assert b"SecretCamera" not in photo.content
    assert client.get(f"/reports/{created.json()['id']}/photo",
                      headers=auth(tokens, "citizen")).status_code == 403


def test_nearby_reports_of_a_kind_are_suggested_as_duplicates(live, client: httpx.Client
                                                              ) -> None:
    _server, _url, tokens = live
    set_emergency(client, tokens, True)
    first = report(client, east_m=1000, category="flooding").json()["id"]
    close = report(client, east_m=1030, category="flooding").json()
    assert close["similar_reports_nearby"] == 1
    far = report(client, east_m=1090, category="flooding").json()
    other_kind = report(client, east_m=1010, category="landslide").json()
    assert other_kind["similar_reports_nearby"] == 0
    listed = client.get("/reports", params={"category": "flooding"},
                        headers=auth(tokens, "officer")).json()["reports"]
    by_id = {r["id"]: r for r in listed}
    assert [s["id"] for s in by_id[close["id"]]["suggested_duplicates"]] == [first]
    assert 25 <= by_id[close["id"]]["suggested_duplicates"][0]["metres"] <= 35
    assert far["id"] not in [s["id"] for s in by_id[first]["suggested_duplicates"]]
    assert "reporter_ip" not in by_id[first] and "reporter_id" not in by_id[first]


def test_officers_triage_and_it_is_audited(live, client: httpx.Client) -> None:
    _server, url, tokens = live
    set_emergency(client, tokens, True)
    first = report(client, east_m=-500).json()["id"]
    second = report(client, east_m=-490).json()["id"]
    officer = auth(tokens, "officer")
    assert client.patch(f"/reports/{first}", headers=officer,
                        json={"status": "confirmed"}).status_code == 204
    assert client.patch(f"/reports/{second}", headers=officer,
                        json={"status": "duplicate", "duplicate_of": first}).status_code == 204
    missing = client.patch(f"/reports/{second}", headers=officer, json={"status": "duplicate"})
    assert missing.status_code == 400
    ghost = client.patch(f"/reports/{second}", headers=officer,
                         json={"status": "duplicate", "duplicate_of": 999999})
    assert ghost.status_code == 400 and ghost.json()["invalid-params"][0]["name"] == "duplicate_of"
    assert client.patch("/reports/999999", headers=officer,
                        json={"status": "resolved"}).status_code == 404
    assert client.patch(f"/reports/{first}", headers=auth(tokens, "citizen"),
                        json={"status": "resolved"}).status_code == 403
    with psycopg_connect(url) as conn:
        actions = {row[0] for row in conn.execute(
            "SELECT action FROM audit_log WHERE username = 'r_officer'").fetchall()}
        blocked = conn.execute("SELECT count(*) FROM crowd_report WHERE status = 'confirmed' "
                               "AND category = 'blocked_road'").fetchone()[0]
    assert {"emergency-on", "triage"} <= actions and blocked >= 1


@pytest.mark.parametrize(("fields", "parameter"), [
    ({"lon": "east"}, "lon"),
    ({"lat": "95"}, "lat"),
    ({"lon": "139.0"}, "lon"),  # outside the city
    ({"category": "aliens"}, "category"),
    ({"note": "あ" * 1001}, "note"),
])
def test_bad_reports_are_problems_naming_the_field(live, client: httpx.Client,
                                                   fields: dict[str, str], parameter: str) -> None:
    _server, url, tokens = live
    set_emergency(client, tokens, True)
    before = count_reports(url)
    response = report(client, **fields)
    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == parameter
    assert count_reports(url) == before


def test_a_file_that_is_no_image_and_a_huge_upload_write_nothing(live, client: httpx.Client
                                                                 ) -> None:
    _server, url, tokens = live
    set_emergency(client, tokens, True)
    before = count_reports(url)
    not_image = report(client, photo=b"%PDF-1.4 not a photo")
    assert not_image.status_code == 400
    assert not_image.json()["invalid-params"][0]["name"] == "photo"
    huge = report(client, photo=b"\xff\xd8" + b"0" * (9 * 1024 * 1024))
    assert huge.status_code == 413
    assert count_reports(url) == before


def test_reports_are_rate_limited_per_address(live, client: httpx.Client) -> None:
    _server, _url, tokens = live
    set_emergency(client, tokens, True)
    statuses = [report(client, east_m=300 + 60 * i).status_code for i in range(6)]
    assert statuses == [201] * 5 + [429]


def test_roles_on_the_officer_routes(live, client: httpx.Client) -> None:
    _server, _url, tokens = live
    assert client.get("/reports").status_code == 401
    assert client.get("/reports", headers=auth(tokens, "citizen")).status_code == 403
    assert client.put("/emergency", json={"active": True}).status_code == 401
    assert client.put("/emergency", headers=auth(tokens, "citizen"),
                      json={"active": True}).status_code == 403
    assert "changed_by" not in client.get("/emergency").json()


def test_emergency_mode_lengthens_cache_lifetimes_of_the_base_map_only(
        live, client: httpx.Client) -> None:
    server, _url, tokens = live
    set_emergency(client, tokens, True)
    server.app.state.emergency.forget()  # do not wait for the 2 s refresh
    roads = client.get("/collections/roads/tiles/WebMercatorQuad/14/6451/14537")
    shelters = client.get("/collections/shelters/tiles/WebMercatorQuad/14/6451/14537")
    assert "max-age=600" in roads.headers["cache-control"]
    assert "max-age=30" in shelters.headers["cache-control"]
    set_emergency(client, tokens, False)
    server.app.state.emergency.forget()
    roads = client.get("/collections/roads/tiles/WebMercatorQuad/14/6451/14537")
    assert "max-age=30" in roads.headers["cache-control"]
