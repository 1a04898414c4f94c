""""This place" and place search, on the real 町丁目 and the sample facilities."""

from __future__ import annotations

import httpx
import pytest
from pyproj import Geod

from gis_core.text import fold_kana

CITY_HALL = (139.4265, 35.7454)
GEOD = Geod(ellps="GRS80")


def test_place_at_names_the_chome_and_the_nearest_places(http: httpx.Client) -> None:
    place = http.get("/places/at", params={"lon": CITY_HALL[0], "lat": CITY_HALL[1]}).json()
    assert place["inside_city"] is True
    assert place["chome"]["name"] == "中央三丁目" and place["chome"]["approximate"] is True
    shelters = place["nearest_shelters"]
    assert len(shelters) == 3
    assert [s["distance_m"] for s in shelters] == sorted(s["distance_m"] for s in shelters)
    first = shelters[0]
    shelter = http.get(f"/collections/shelters/items/{first['id']}").json()
    lon, lat = shelter["geometry"]["coordinates"]
    _, _, expected = GEOD.inv(*CITY_HALL, lon, lat)
    assert first["distance_m"] == pytest.approx(expected, abs=0.5)
    assert first["walking_minutes"] == max(1, -(-expected // 80))
    assert "中央三丁目" in place["summary_ja"] and first["name"] in place["summary_ja"]
    assert "You are in 中央三丁目" in place["summary_en"]


def test_nearest_facilities_are_truly_the_nearest(http: httpx.Client) -> None:
    place = http.get("/places/at", params={"lon": 139.44, "lat": 35.75}).json()
    everything = http.get("/collections/facilities/items", params={"limit": 1000}).json()
    distances = sorted(
        GEOD.inv(139.44, 35.75, *f["geometry"]["coordinates"])[2] for f in everything["features"]
    )
    got = [f["distance_m"] for f in place["nearest_facilities"]]
    assert got == pytest.approx(distances[: len(got)], abs=0.5)


def test_place_outside_the_city(http: httpx.Client) -> None:
    place = http.get("/places/at", params={"lon": 139.52, "lat": 35.74}).json()  # 東村山
    assert place["inside_city"] is False and place["chome"] is None
    assert "外" in place["summary_ja"]


FAR_AWAY = [((0.1, 0.1), "lon"), ((-179.9, -89.9), "lon"), ((139.4, 0.1), "lat"),
            ((139.70, 35.68), "lon")]  # the last one: Tokyo station, 23 km east
POINT_ROUTES = ["/places/at", "/hazards/at", "/evacuation/route", "/facilities/availability"]


@pytest.mark.parametrize("route", POINT_ROUTES)
@pytest.mark.parametrize("point, name", FAR_AWAY)
def test_points_outside_the_service_area_are_refused_alike(
        http: httpx.Client, route: str, point: tuple[float, float], name: str) -> None:
    """Far-away points (swapped axes, a 0,0 fix) get the same 400 every time, before PostGIS
    tries to project them into the city's plane coordinates."""
    params: dict[str, object] = {"lon": point[0], "lat": point[1]}
    if route == "/facilities/availability":
        params |= {"start": "2026-12-05T09:00:00+09:00", "end": "2026-12-05T12:00:00+09:00"}
    answers = [http.get(route, params=params) for _ in range(3)]
    assert {a.status_code for a in answers} == {400}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["invalid-params"][0]["name"] == name
    assert "outside the area this service covers" in answers[0].json()["detail"]


@pytest.mark.parametrize("params, name", [
    ({"lon": "abc", "lat": 35.7}, "lon"),
    ({"lon": "nan", "lat": 35.7}, "lon"),
    ({"lon": 139.4, "lat": "inf"}, "lat"),
    ({"lon": 139.4, "lat": 95}, "lat"),
    ({"lon": 139.4}, "lat"),
    ({"lon": 139.4, "lat": 35.7, "zoom": 3}, "zoom"),
])
def test_place_at_bad_input(http: httpx.Client, params: dict, name: str) -> None:
    response = http.get("/places/at", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalid-params"][0]["name"] == name


@pytest.mark.parametrize("query", ["ちゅうおう", "チュウオウ", "ﾁｭｳｵｳ", "中央", "央三"])
def test_search_finds_chome_by_kanji_or_reading(http: httpx.Client, query: str) -> None:
    results = http.get("/search", params={"q": query}).json()["results"]
    names = [r["name"] for r in results if r["kind"] == "chome"]
    assert names and all("中央" in n for n in names)
    chuo = results[0]
    assert chuo["bbox"][0] < chuo["lon"] < chuo["bbox"][2]


def test_search_finds_facilities_and_shelters(http: httpx.Client) -> None:
    results = http.get("/search", params={"q": "小学校", "limit": 50}).json()["results"]
    kinds = {r["kind"] for r in results}
    assert {"facility", "shelter"} <= kinds
    assert all("小学校" in r["name"] for r in results)


def test_search_wildcards_are_literal(http: httpx.Client) -> None:
    assert http.get("/search", params={"q": "%"}).json()["results"] == []
    assert http.get("/search", params={"q": "_"}).json()["results"] == []
    assert http.get("/search", params={"q": ""}).status_code == 400


def test_kana_folding() -> None:
    assert fold_kana("ﾁｭｳｵｳ") == fold_kana("チュウオウ") == "ちゅうおう"


def test_this_place_lists_bookable_rooms_and_shelter_status(http: httpx.Client) -> None:
    place = http.get("/places/at", params={"lon": 139.4265, "lat": 35.7454}).json()
    assert place["bookable_rooms"] and place["bookable_rooms"][0]["free_count"] > 0
    assert {s["status"] for s in place["nearest_shelters"]} <= {"open", "full", "closed"}
    assert isinstance(place["hazards"], list)
