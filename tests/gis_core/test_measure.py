"""Lengths, areas and distances are metric-true: compared with pyproj's geodesic results."""

from __future__ import annotations

import httpx
import pytest
import shapely
from pyproj import Geod
from sqlalchemy.engine import URL

from gis_core.crs import geodesic_length_m
from gis_core.database import psycopg_connect
from gis_core.measure import distance_m, length_m_sql, planar_length_m_sql

GEOD = Geod(ellps="GRS80")


def test_road_lengths_match_geodesic(http: httpx.Client) -> None:
    roads = http.get("/collections/roads/items", params={"limit": 200}).json()["features"]
    assert len(roads) == 200
    for road in roads:
        expected = geodesic_length_m(road["geometry"]["coordinates"])
        assert road["properties"]["length_m"] == pytest.approx(expected, abs=0.1)


def test_city_area_matches_geodesic(http: httpx.Client) -> None:
    boundary = http.get("/collections/city_boundary/items").json()["features"][0]
    area, _ = GEOD.geometry_area_perimeter(shapely.geometry.shape(boundary["geometry"]))
    assert boundary["properties"]["area_m2"] == pytest.approx(abs(area), rel=1e-6)
    assert abs(area) / 1e6 == pytest.approx(13.42, abs=0.05)  # the city's published 13.42 km²


def test_distance_matches_geodesic(db_url: URL) -> None:
    city_hall, station = (139.4265, 35.7454), (139.4167, 35.7480)
    _, _, expected = GEOD.inv(*city_hall, *station)
    with psycopg_connect(db_url) as conn:
        assert distance_m(conn, city_hall, station) == pytest.approx(expected, rel=1e-4)


def test_plane_rectangular_length_agrees_within_scale_error(db_url: URL) -> None:
    with psycopg_connect(db_url) as conn:
        rows = conn.execute(
            f"SELECT {length_m_sql('geom')}, {planar_length_m_sql('geom')} FROM road LIMIT 100"
        ).fetchall()
    for geodesic, planar in rows:
        assert planar == pytest.approx(geodesic, rel=2e-4)
