"""Exposure: people in flood zones per 町丁目 and per shelter catchment, checked against an
independent geopandas overlay; CSV and GeoPackage exports; the offline situation map; roles."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from sqlalchemy.engine import URL

from gis_core.database import sync_engine
from tests.api.editing import editing_server
from tests.disaster.conftest import DisasterServer


def _independent(disaster: DisasterServer, min_depth: float) -> dict[str, float]:
    """Population × share of each 町丁目's area inside the merged zones, in EPSG:6677."""
    engine = sync_engine(disaster.url)
    chome = gpd.read_postgis("SELECT name, population, geom FROM chome_area", engine,
                             geom_col="geom").to_crs(6677)
    zones = gpd.read_postgis("SELECT geom FROM flood_zone WHERE COALESCE(depth_min_m, 0) >= "
                             f"{min_depth}", engine, geom_col="geom").to_crs(6677)
    merged = zones.union_all()
    share = chome.intersection(merged).area / chome.area
    return dict(zip(chome["name"], chome["population"] * share, strict=True))


def test_exposure_matches_an_independent_overlay(disaster: DisasterServer) -> None:
    with disaster.client() as client:
        report = client.get("/exposure").json()
    for column, depth in (("exposed", 0.0), ("exposed_0_5m", 0.5), ("exposed_3m", 3.0)):
        expected = _independent(disaster, depth)
        assert report["totals"][column] == pytest.approx(sum(expected.values()), abs=1)
        for row in report["chome"]:
            assert row[column] == pytest.approx(expected[row["name"]], abs=0.51), row["name"]
    assert report["totals"]["exposed"] > report["totals"]["exposed_0_5m"] > 0
    assert "catchments" not in report  # operations data is for officers


def test_catchments_share_out_the_city(disaster: DisasterServer) -> None:
    with disaster.client("disaster_officer") as officer:
        report = officer.get("/exposure", params={"by": "shelter"}).json()
    catchments = report["catchments"]
    assert sum(c["population"] for c in catchments) == pytest.approx(
        report["totals"]["population"], abs=len(catchments))
    assert sum(c["exposed"] for c in catchments) == pytest.approx(
        report["totals"]["exposed"], abs=len(catchments))
    for c in catchments:
        assert c["capacity_gap"] == max(0, c["exposed"] - c["capacity"])
    assert report["totals"]["capacity_gap"] == sum(c["capacity_gap"] for c in catchments)


def test_csv_export_reads_back(disaster: DisasterServer, tmp_path: Path) -> None:
    with disaster.client() as client:
        response = client.get("/exposure", params={"f": "csv"})
        total = client.get("/exposure").json()["totals"]["exposed"]
    assert response.headers["content-type"].startswith("text/csv")
    path = tmp_path / "exposure.csv"
    path.write_bytes(response.content)
    frame = pyogrio.read_dataframe(path, encoding="utf-8-sig")
    assert "中央三丁目" in set(frame["name"])
    assert frame["exposed"].astype(int).sum() == pytest.approx(total, abs=len(frame))


def test_geopackage_export_reads_back(disaster: DisasterServer, tmp_path: Path) -> None:
    with disaster.client("disaster_officer") as officer:
        response = officer.get("/exposure", params={"f": "gpkg"})
    assert response.status_code == 200
    path = tmp_path / "exposure.gpkg"
    path.write_bytes(response.content)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"exposure_chome", "exposure_catchments"}
    chome = pyogrio.read_dataframe(path, layer="exposure_chome")
    assert chome.crs.to_epsg() == 4326 and chome.geometry.is_valid.all()
    assert len(chome) > 70 and chome["exposed"].sum() > 0
    catchments = pyogrio.read_dataframe(path, layer="exposure_catchments")
    assert {"shelter_id", "capacity_gap"} <= set(catchments.columns)


def test_situation_map_is_offline(disaster: DisasterServer) -> None:
    with disaster.client("disaster_officer") as officer:
        response = officer.get("/exposure/map.html")
    assert response.status_code == 200
    document = response.text
    assert '<html lang="ja">' in document and "状況図" in document
    assert "想定シナリオ（サンプル）" in document
    # assets a browser would fetch: script/img/link sources, CSS url() and @import
    # (links a reader may follow, such as Leaflet's attribution, are no assets)
    assets = re.findall(r"""(?:<(?:script|img|link|iframe|source)[^>]+(?:src|href)=["']?"""
                        r"""|url\(\s*["']?|@import\s+["'])((?:https?:)?//[^\s\"'<>)]+)""",
                        document)
    remote = [u for u in assets if not re.match(r"(https?:)?//127\.0\.0\.1[:/]", u)]
    assert remote == [], remote
    assert "cdn." not in document and "tile.openstreetmap" not in document
    assert "L.map(" in document or "L.map (" in document


@pytest.mark.parametrize("url, role, status", [
    ("/exposure?by=shelter", None, 401),
    ("/exposure?by=shelter", "citizen", 403),
    ("/exposure?f=gpkg", "planner", 403),
    ("/exposure/map.html", None, 401),
    ("/exposure/map.html", "citizen", 403),
    ("/exposure?by=shelter", "admin", 200),
    ("/exposure", None, 200),
])
def test_exposure_roles(disaster: DisasterServer, url: str, role: str | None,
                        status: int) -> None:
    with disaster.client(role) as client:
        assert client.get(url).status_code == status


@pytest.mark.parametrize("params, name", [({"f": "xlsx"}, "f"), ({"by": "town"}, "by"),
                                          ({"limit": 3}, "limit")])
def test_exposure_bad_input(disaster: DisasterServer, params: dict, name: str) -> None:
    with disaster.client() as client:
        response = client.get("/exposure", params=params)
    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == name


def test_a_chome_area_without_population_counts_as_unknown(fresh_db_url: URL) -> None:
    """A planner may draw a new 町丁目 area and leave its population empty: exposure then
    reports it as unknown (and how many such areas the totals leave out), never a 500."""
    x, y = 139.4265, 35.7454
    square = [[x, y], [x + 0.002, y], [x + 0.002, y + 0.002], [x, y + 0.002], [x, y]]
    area = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
            "properties": {"name": "新しい町（人口未入力）", "approximate": False}}
    with editing_server(fresh_db_url) as editing:
        before = editing.client().get("/exposure").json()["totals"]
        created = editing.client("planner1").post("/collections/chome_areas/items", json=area,
                                                  headers={"Content-Type": "application/geo+json"})
        assert created.status_code == 201, created.text
        report = editing.client().get("/exposure")
        assert report.status_code == 200, report.text
        totals = report.json()["totals"]
        assert totals["chome_without_population"] == before["chome_without_population"] + 1
        assert totals["population"] == before["population"]
        unknown = next(c for c in report.json()["chome"] if c["name"] == area["properties"]["name"])
        assert unknown["population"] is None and unknown["exposed"] is None
        officer = editing.client("officer")
        for url in ("/exposure?by=shelter", "/exposure?f=csv", "/exposure?f=gpkg",
                    "/exposure/map.html"):
            assert officer.get(url).status_code == 200, url
