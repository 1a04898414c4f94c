"""Metric-true measures. Geometries are stored in EPSG:4326 degrees, so lengths, areas and
distances are computed on the ellipsoid (PostGIS geography, GRS80-compatible WGS84 — JGD2011
uses GRS80) or in EPSG:6677 metres; never in degrees."""

from __future__ import annotations

import psycopg

from gis_core.crs import METRIC_SRID


def length_m_sql(geometry: str) -> str:
    return f"ST_Length({geometry}::geography)"


def area_m2_sql(geometry: str) -> str:
    return f"ST_Area({geometry}::geography)"


def distance_m_sql(a: str, b: str) -> str:
    return f"ST_Distance({a}::geography, {b}::geography)"


def planar_length_m_sql(geometry: str) -> str:
    """Length in the plane rectangular system (fast; within 0.02% inside the city)."""
    return f"ST_Length(ST_Transform({geometry}, {METRIC_SRID}))"


def distance_m(conn: psycopg.Connection, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two lon/lat points."""
    sql = (
        "SELECT " + distance_m_sql("ST_SetSRID(ST_MakePoint(%s, %s), 4326)",
                                   "ST_SetSRID(ST_MakePoint(%s, %s), 4326)")
    )
    row = conn.execute(sql, (*a, *b)).fetchone()
    assert row is not None
    return float(row[0])
