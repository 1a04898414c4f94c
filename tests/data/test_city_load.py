"""The city load: real data in, samples labelled, idempotent, all-or-nothing, imports kept."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
import shapely
from sqlalchemy.engine import URL

from data import samples
from data.city import MissingData
from data.load import CityInputs, load_city
from data.store import Provenance, fingerprint, replace_rows
from gis_core.database import psycopg_connect
from gis_core.settings import get_settings

SAMPLE_LAYERS = {"roads", "rivers", "water_areas", "facilities", "shelters", "chome_areas"}


def test_second_load_changes_nothing(fresh_db_url: URL) -> None:
    with psycopg_connect(fresh_db_url) as conn:
        before = conn.execute("SELECT layer_id, version FROM layer_version").fetchall()
    results = load_city(fresh_db_url, progress=False)
    assert {r.status for r in results} == {"unchanged"}
    with psycopg_connect(fresh_db_url) as conn:
        assert conn.execute("SELECT layer_id, version FROM layer_version").fetchall() == before


def test_real_layers_hold_the_open_data(db_url: URL) -> None:
    with psycopg_connect(db_url) as conn:
        code, name = conn.execute("SELECT code, name FROM city_boundary").fetchone()
        chome = conn.execute("SELECT count(*) FROM chome").fetchone()[0]
        samples_flags = dict(conn.execute("SELECT layer_id, is_sample FROM dataset").fetchall())
    assert (code, name, chome) == ("13220", "東大和市", 76)
    assert samples_flags["city_boundary"] is False and samples_flags["chome"] is False
    assert all(samples_flags[layer] for layer in SAMPLE_LAYERS)


def test_samples_say_they_are_samples(db_url: URL) -> None:
    with psycopg_connect(db_url) as conn:
        for table in ("road", "river", "water_area", "facility", "shelter"):
            flags = conn.execute(f"SELECT DISTINCT is_sample FROM {table}").fetchall()
            assert flags == [(True,)], table
        for table in ("river", "water_area", "facility", "shelter"):
            unlabelled = conn.execute(
                f"SELECT count(*) FROM {table} WHERE name NOT LIKE '%%サンプル%%'"
            ).fetchone()[0]
            assert unlabelled == 0, table
        estimates = conn.execute(
            "SELECT bool_and(approximate AND population_is_estimate) FROM chome_area"
        ).fetchone()[0]
    assert estimates is True


def test_sample_streets_cover_the_city(db_url: URL) -> None:
    with psycopg_connect(db_url) as conn:
        covered = conn.execute(
            "SELECT ST_Area(ST_Intersection(b.geom, ST_Buffer(r.net::geography, 200)::geometry)"
            "::geography) / ST_Area(b.geom::geography) "
            "FROM city_boundary b, (SELECT ST_Union(geom) AS net FROM road) r"
        ).fetchone()[0]
        outside = conn.execute(
            "SELECT count(*) FROM facility f, city_boundary b WHERE NOT ST_Within(f.geom, b.geom)"
        ).fetchone()[0]
    assert covered > 0.9
    assert outside == 0


def test_samples_are_deterministic() -> None:
    inputs = CityInputs(get_settings().data_dir)
    first, second = samples.roads(inputs.shape), samples.roads(inputs.shape)
    assert len(first) > 500
    assert shapely.equals_exact(first.geometry.values, second.geometry.values, 0).all()


def test_load_keeps_an_import_of_real_data(fresh_db_url: URL) -> None:
    real = Provenance("roads", "テスト道路", "test roads", "ODbL", "© OpenStreetMap", False)
    frame = gpd.GeoDataFrame(
        {"name": ["青梅街道"], "kind": ["primary"], "osm_id": [1], "is_sample": [False]},
        geometry=[shapely.LineString([(139.42, 35.74), (139.43, 35.745)])], crs="EPSG:4326",
    )
    with psycopg_connect(fresh_db_url) as conn, conn.transaction():
        replace_rows(conn, "road", frame, ["name", "kind", "osm_id", "is_sample"], real,
                     fingerprint("import"))
    results = {r.layer_id: r.status for r in load_city(fresh_db_url, progress=False)}
    assert results["roads"] == "kept-import"
    with psycopg_connect(fresh_db_url) as conn:
        assert conn.execute("SELECT name FROM road").fetchall() == [("青梅街道",)]


def test_a_failing_layer_leaves_the_previous_rows(fresh_db_url: URL,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with psycopg_connect(fresh_db_url) as conn:
        conn.execute("UPDATE dataset SET fingerprint = 'stale' WHERE layer_id = 'rivers'")
        conn.commit()
        before = conn.execute("SELECT count(*) FROM river").fetchone()[0]

    real_rivers = samples.rivers

    def broken(city: samples.CityShape) -> gpd.GeoDataFrame:
        frame = real_rivers(city)
        frame.loc[len(frame) - 1, "kind"] = None  # violates NOT NULL after the first rows
        return frame

    monkeypatch.setattr(samples, "rivers", broken)
    with pytest.raises(psycopg.errors.NotNullViolation):
        load_city(fresh_db_url, progress=False)
    with psycopg_connect(fresh_db_url) as conn:
        assert conn.execute("SELECT count(*) FROM river").fetchone()[0] == before
        assert conn.execute(
            "SELECT fingerprint FROM dataset WHERE layer_id = 'rivers'").fetchone()[0] == "stale"


def test_missing_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MissingData, match="CITYGIS_DATA_DIR"):
        CityInputs(tmp_path)
