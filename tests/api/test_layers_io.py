"""Planners' own layers: define, import (GeoJSON, GeoPackage in a plane rectangular zone,
zipped Shapefile in cp932 without .cpg, CSV with 経度/緯度 on the Tokyo datum), all-or-nothing
with a report of every rejected row, export round trips, bad files and roles."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import geopandas as gpd
import httpx
import morecantile
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.settings import get_settings
from tests.conftest import LiveServer
from tests.helpers import run_db

PASSWORD = "correct horse battery"
HALL = (139.4265, 35.7454)
UPLOAD_LIMIT = 2_000_000


@pytest.fixture(scope="module")
def server(fresh_module_db: URL) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    async def tokens(conn: asyncpg.Connection) -> dict[str, str]:
        found = {}
        for role in ("planner", "citizen", "caseworker"):
            user_id = await service.create_user(conn, f"io_{role}", PASSWORD, role, {Role(role)})
            found[role] = await service.create_token(conn, user_id, "io")
        return found
    found = run_db(fresh_module_db, tokens)
    settings = get_settings().model_copy(update={"max_upload_bytes": UPLOAD_LIMIT})
    with LiveServer(fresh_module_db, settings) as live:
        yield live, found


def client(server: tuple[LiveServer, dict[str, str]], role: str | None = "planner"
           ) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server[1][role]}"} if role else {}
    return httpx.Client(base_url=server[0].url, headers=headers, timeout=60)


def upload(http: httpx.Client, path: Path, **fields: str) -> httpx.Response:
    with path.open("rb") as file:
        return http.post("/layers/import", data=fields, files={"file": (path.name, file)})


def points(n: int = 3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": [f"掲示板{i}" for i in range(n)], "count": list(range(n))},
        geometry=[shapely.Point(HALL[0] + i * 0.001, HALL[1]) for i in range(n)], crs=4326)


def test_define_a_layer_then_edit_it(server) -> None:
    spec = {"id": "bulletin_boards", "geometry_type": "Point", "title_ja": "掲示板",
            "title_en": "Bulletin boards",
            "fields": [{"name": "name", "type": "string", "title_ja": "名称", "title_en": "Name"}]}
    with client(server) as http:
        made = http.post("/layers", json=spec)
        assert made.status_code == 201, made.text
        assert http.post("/layers", json=spec).status_code == 409
        assert "bulletin_boards" in {c["id"] for c in http.get("/collections").json()
                                     ["collections"]}
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(HALL)},
                   "properties": {"name": "市役所前"}}
        created = http.post("/collections/bulletin_boards/items", json=feature,
                            headers={"Content-Type": "application/geo+json"})
        assert created.status_code == 201, created.text
        t = morecantile.tms.get("WebMercatorQuad").tile(*HALL, 15)
        tile = http.get(f"/collections/bulletin_boards/tiles/WebMercatorQuad/15/{t.y}/{t.x}")
        assert tile.status_code == 200
        bad = http.post("/layers", json={**spec, "id": "x; DROP TABLE road"})
        assert bad.status_code == 400 and bad.json()["invalid-params"][0]["name"] == "id"
        nul = http.post("/layers", json={**spec, "id": "nul_layer", "title_ja": "掲示\x00板"})
        assert nul.status_code == 400, nul.text  # found by the fuzz: was a 500


def test_import_geojson_infers_fields(server, tmp_path: Path) -> None:
    path = tmp_path / "boards.geojson"
    points().to_file(path, driver="GeoJSON")
    with client(server) as http:
        made = upload(http, path, id="boards", title_ja="掲示板（取込）")
        assert made.status_code == 201, made.text
        fields = {f["title_ja"]: f for f in made.json()["fields"]}
        assert fields["名称"]["type"] == "string" and fields["count"]["type"] == "integer"
        items = http.get("/collections/boards/items").json()
        assert items["numberReturned"] == 3
        names = {f["properties"][fields["名称"]["name"]] for f in items["features"]}
        assert names == {"掲示板0", "掲示板1", "掲示板2"}


def test_shapefile_in_cp932_without_cpg(server, tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(points(), folder / "boards.shp", encoding="cp932")
    (folder / "boards.cpg").unlink(missing_ok=True)
    archive = tmp_path / "boards.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    with client(server) as http:
        made = upload(http, archive, id="boards_shp", title_ja="掲示板SHP")
        assert made.status_code == 201, made.text
        column = next(f["name"] for f in made.json()["fields"] if f["title_ja"] == "名称")
        values = {f["properties"][column] for f in
                  http.get("/collections/boards_shp/items").json()["features"]}
        assert "掲示板1" in values


def test_geopackage_in_a_plane_rectangular_zone_is_reprojected(server, tmp_path: Path) -> None:
    path = tmp_path / "zone9.gpkg"
    points().to_crs(6677).to_file(path, driver="GPKG")
    with client(server) as http:
        assert upload(http, path, id="zone9", title_ja="平面直角").status_code == 201
        first = http.get("/collections/zone9/items?limit=1").json()["features"][0]
    assert first["geometry"]["coordinates"] == pytest.approx(list(HALL), abs=1e-7)


def test_csv_on_the_tokyo_datum_in_cp932(server, tmp_path: Path) -> None:
    path = tmp_path / "tokyo.csv"
    path.write_bytes("名称,経度,緯度\n旧測地系の点,139.4297,35.7422\n".encode("cp932"))
    expected = Transformer.from_crs(4301, 4326, always_xy=True).transform(139.4297, 35.7422)
    with client(server) as http:
        made = upload(http, path, id="tokyo_pts", title_ja="旧測地系", crs="EPSG:4301")
        assert made.status_code == 201, made.text
        got = http.get("/collections/tokyo_pts/items").json()["features"][0]
    lon, lat = got["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(expected, abs=1e-7)
    shift_m = shapely.Point(lon * 90_370, lat * 111_320).distance(
        shapely.Point(139.4297 * 90_370, 35.7422 * 111_320))
    assert 350 < shift_m < 550  # Tokyo → JGD2011 moves points ~450 m around Tokyo


def test_bad_rows_are_reported_and_nothing_is_written(server, tmp_path: Path) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[139.42, 35.74], [139.43, 35.75],
                                                  [139.43, 35.74], [139.42, 35.75],
                                                  [139.42, 35.74]]]}
    square = {"type": "Polygon", "coordinates": [[[139.42, 35.74], [139.43, 35.74],
                                                  [139.43, 35.75], [139.42, 35.74]]]}
    features = [{"type": "Feature", "geometry": g, "properties": {"n": i}}
                for i, g in enumerate([square, bowtie, None])]
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with client(server) as http:
        refused = upload(http, path, id="zones", title_ja="区域", geometry_type="Polygon")
        assert refused.status_code == 422, refused.text
        rows = {r["row"]: r["reason"] for r in refused.json()["rejected"]}
        assert set(rows) == {2, 3} and "Self-intersection" in rows[2]
        assert http.get("/collections/zones").status_code == 404
        kept = upload(http, path, id="zones", title_ja="区域", geometry_type="Polygon",
                      on_error="skip_rows")
        assert kept.status_code == 201 and kept.json()["accepted"] == 1


@pytest.mark.parametrize(("name", "content", "fields", "parameter", "status"), [
    ("fake.gpkg", b"this is text, not a GeoPackage", {}, "file", 400),
    ("empty.zip", b"PK\x05\x06" + b"\x00" * 18, {}, "file", 400),
    ("table.csv", "名前,住所\n役所,中央\n".encode(), {}, "file", 400),
    ("points.csv", b"lon,lat\n139.4,35.7\n", {"crs": "EPSG:99999"}, "crs", 400),
    ("notes.txt", b"hello", {}, "file", 400),
    ("huge.geojson", b" " * (UPLOAD_LIMIT + 10), {}, "file", 413),
])
def test_bad_files_are_problems_and_create_nothing(server, tmp_path: Path, name: str,
                                                   content: bytes, fields: dict[str, str],
                                                   parameter: str, status: int) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with client(server) as http:
        response = upload(http, path, id="badfile", title_ja="不正", **fields)
        assert response.status_code == status, response.text
        assert response.json()["invalid-params"][0]["name"] == parameter
        assert_nothing_internal(response.json(), tmp_path)
        assert http.get("/collections/badfile").status_code == 404


def feature_collection(*coordinates: object, kind: str = "Point") -> bytes:
    features = [{"type": "Feature", "properties": {"n": i},
                 "geometry": {"type": kind, "coordinates": c}} for i, c in enumerate(coordinates)]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def gpkg_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "whole.gpkg"
    points().to_file(path, driver="GPKG")
    return path.read_bytes()


def zipped(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("_", "."), content)
    return buffer.getvalue()


def assert_nothing_internal(problem: dict[str, object], tmp_path: Path) -> None:
    """No server path, SQL, stack trace, exception repr or library URL in what a client sees."""
    text = json.dumps(problem, ensure_ascii=False)
    for internal in ("/tmp", str(tmp_path), "var/", "/work", "SELECT", "INSERT", "Traceback",
                     "http", "Error(", "pyogrio", "sqlite3"):
        assert internal not in text, f"{internal!r} in {text}"


def collection_ids(http: httpx.Client) -> set[str]:
    return {c["id"] for c in http.get("/collections").json()["collections"]}


LONLAT = json.dumps(list(HALL))


@pytest.mark.parametrize(("name", "content", "fields", "parameter", "status"), [
    ("enc.csv", b"lon,lat\n139.43,35.74\n", {"encoding": "klingon"}, "encoding", 400),
    ("enc.geojson", feature_collection(list(HALL)), {"encoding": "rot13"}, "encoding", 400),
    ("sjis.csv", "lon,lat,名前\n139.43,35.74,役所\n".encode("cp932"), {"encoding": "utf-8"},
     "encoding", 400),
    ("huge.geojson", feature_collection([1e308, 35.7]), {}, "file", 422),
    ("huge.csv", b"lon,lat\n1e308,35.7\n", {"crs": "EPSG:6677"}, "file", 422),
    ("nan.geojson", b'{"type":"FeatureCollection","features":[{"type":"Feature",'
     b'"properties":{},"geometry":{"type":"Point","coordinates":[NaN,35.7]}}]}', {}, "file", 422),
    ("inf.csv", b"lon,lat\ninf,35.7\n-inf,35.7\n", {}, "file", 422),
    ("nan.csv", b"lon,lat\nnan,35.7\n", {}, "file", 422),
    ("cut.geojson", feature_collection(list(HALL))[:40], {}, "file", 400),
    ("cut.gpkg", None, {}, "file", 400),
    ("empty.geojson", b"", {}, "file", 400),
    ("empty.gpkg", b"", {}, "file", 400),
    ("empty.csv", b"", {}, "file", 400),
    ("header.csv", b"lon,lat\n", {}, "file", 400),
    ("none.geojson", b'{"type":"FeatureCollection","features":[]}', {}, "file", 400),
    ("table.geojson", b'{"name": "not GeoJSON"}', {}, "file", 400),
    ("readme.zip", zipped(readme_txt=b"no layer here"), {}, "file", 400),
    ("noshx.zip", zipped(p_shp=b"\x00\x00\x27\x0a" + b"\x00" * 96, p_dbf=b""), {}, "file",
     400),
    ("broken.zip", b"PK\x03\x04 cut short", {}, "file", 400),
    ("nul.csv", b"lon,lat,note\n139.43,35.74,a\x00b\n", {}, "file", 422),
    ("collection.geojson", b'{"type":"FeatureCollection","features":[{"type":"Feature",'
     b'"properties":{},"geometry":{"type":"GeometryCollection","geometries":[]}}]}', {}, "file",
     422),
    ("osaka.geojson", feature_collection([135.5, 34.7]), {}, "file", 422),
    ("lonlat.geojson", feature_collection(list(HALL)), {"crs": "EPSG:6677"}, "crs", 422),
    ("metres.csv", b"x,y\n-3500,-29000\n", {}, "crs", 422),
    ("points.csv", b"lon,lat\n139.43,35.74\n", {"id": "Bad Id"}, "id", 400),
    ("points.csv", b"lon,lat\n139.43,35.74\n", {"geometry_type": "Circle"}, "geometry_type",
     400),
])
def test_broken_files_are_plain_problems_and_write_nothing(
        server, tmp_path: Path, name: str, content: bytes | None, fields: dict[str, str],
        parameter: str, status: int) -> None:
    path = tmp_path / "upload" / name
    path.parent.mkdir()
    path.write_bytes(content if content is not None else gpkg_bytes(tmp_path)[:3000])
    with client(server) as http:
        before = collection_ids(http)
        response = upload(http, path, **{"id": "broken", "title_ja": "壊れた", **fields})
        assert response.status_code == status, response.text
        problem = response.json()
        assert problem["invalid-params"][0]["name"] == parameter, problem
        assert_nothing_internal(problem, tmp_path)
        assert http.get("/collections/broken").status_code == 404
        assert collection_ids(http) == before


@pytest.mark.parametrize("filename", ["..", ".", "", "a\x00b.geojson", "../../up.geojson",
                                      "x" * 300 + ".geojson"])
def test_the_clients_file_name_never_reaches_the_disk(server, tmp_path: Path,
                                                      filename: str) -> None:
    with client(server) as http:
        response = http.post("/layers/import", data={"id": "named", "title_ja": "名前"},
                             files={"file": (filename, feature_collection(list(HALL)))})
        assert response.status_code in (201, 400), response.text
        assert_nothing_internal(response.json(), tmp_path)
        if response.status_code == 201:
            assert http.delete("/layers/named").status_code == 204


def test_lonlat_declared_as_metres_is_refused_with_the_fix(server, tmp_path: Path) -> None:
    path = tmp_path / "zone9.geojson"
    path.write_bytes(feature_collection(list(HALL), [139.43, 35.75]))
    with client(server) as http:
        for on_error in ("reject_file", "skip_rows"):
            refused = upload(http, path, id="zone9_lonlat", title_ja="取り違え", crs="EPSG:6677",
                             on_error=on_error)
            assert refused.status_code == 422, refused.text
            detail = refused.json()["detail"]
            assert "longitude/latitude degrees (139.4, 35.75)" in detail
            assert "EPSG:6677" in detail and "declare EPSG:4326 or EPSG:6668" in detail
            assert [r["row"] for r in refused.json()["rejected"]] == [1, 2]
        assert http.get("/collections/zone9_lonlat").status_code == 404


def test_rows_outside_the_city_are_rejected_like_edits(server, tmp_path: Path) -> None:
    path = tmp_path / "mixed.geojson"
    path.write_bytes(feature_collection(list(HALL), [135.5, 34.7], [139.43, 35.75]))
    with client(server) as http:
        refused = upload(http, path, id="mixed", title_ja="混在")
        assert refused.status_code == 422
        assert {r["row"]: r["reason"] for r in refused.json()["rejected"]}[2].startswith(
            "the geometry lies outside the area edited here")
        kept = upload(http, path, id="mixed", title_ja="混在", on_error="skip_rows")
        assert kept.status_code == 201 and kept.json()["accepted"] == 2
        assert http.get("/collections/mixed/items").json()["numberReturned"] == 2


def test_a_shapefile_without_prj_needs_a_crs(server, tmp_path: Path) -> None:
    folder = tmp_path / "noprj"
    folder.mkdir()
    pyogrio.write_dataframe(points(), folder / "p.shp")
    (folder / "p.prj").unlink()
    archive = tmp_path / "noprj.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    with client(server) as http:
        response = upload(http, archive, id="noprj", title_ja="CRSなし")
        assert response.status_code == 400
        assert response.json()["invalid-params"][0]["name"] == "crs"
        assert upload(http, archive, id="noprj", title_ja="CRSなし",
                      crs="EPSG:4326").status_code == 201


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv"])
def test_export_round_trips(server, fmt: str) -> None:
    with client(server, None) as http:
        response = http.get("/collections/facilities/export", params={"f": fmt})
        assert response.status_code == 200, response.text
        count = http.get("/collections/facilities/items?limit=1000").json()["numberReturned"]
    if fmt == "csv":
        import pandas as pd
        frame = pd.read_csv(io.BytesIO(response.content), encoding="utf-8-sig")
        assert {"lon", "lat", "name"} <= set(frame.columns)
    else:
        frame = pyogrio.read_dataframe(io.BytesIO(response.content))
        assert frame.crs.to_epsg() == 4326
    assert len(frame) == count and "東大和市役所（サンプル）" in set(frame["name"])


def test_roles(server, tmp_path: Path) -> None:
    spec = {"id": "secret_notes", "geometry_type": "Point", "title_ja": "相談", "title_en": "N",
            "read_roles": ["caseworker"], "edit_roles": ["caseworker"]}
    with client(server, None) as http:
        assert http.post("/layers", json=spec).status_code == 401
    with client(server, "citizen") as http:
        assert http.post("/layers", json=spec).status_code == 403
    with client(server) as http:
        assert http.post("/layers", json=spec).status_code == 201
        assert http.get("/collections/secret_notes/export").status_code == 403
    with client(server, "caseworker") as http:
        assert http.get("/collections/secret_notes/export").status_code == 200
    with client(server, "citizen") as http:
        assert http.delete("/layers/secret_notes").status_code == 403
    with client(server) as http:
        assert http.delete("/layers/secret_notes").status_code == 204
        assert http.get("/collections/secret_notes").status_code == 404
        assert http.delete("/layers/secret_notes").status_code == 404


def test_import_progress_streams_as_json_lines(server, tmp_path: Path) -> None:
    path = tmp_path / "progress.geojson"
    points(5).to_file(path, driver="GeoJSON")
    with client(server) as http, path.open("rb") as file:
        response = http.post("/layers/import", data={"id": "progress", "title_ja": "進捗"},
                             files={"file": (path.name, file)},
                             headers={"Accept": "application/x-ndjson"})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["stage"] for line in lines] == ["received", "read", "checked", "done"]
    assert lines[1]["features"] == 5 and lines[-1]["status"] == 201
    assert lines[-1]["accepted"] == 5


def test_a_failing_streamed_import_ends_with_a_problem_line(server, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from api.routes import layers

    def broken(*_args: object) -> None:
        raise RuntimeError(f"internal state at {tmp_path}")

    monkeypatch.setattr(layers, "_spec", broken)
    path = tmp_path / "fails.geojson"
    points(2).to_file(path, driver="GeoJSON")
    with client(server) as http, path.open("rb") as file:
        response = http.post("/layers/import", data={"id": "fails", "title_ja": "失敗"},
                             files={"file": (path.name, file)},
                             headers={"Accept": "application/x-ndjson"})
        last = json.loads(response.text.splitlines()[-1])
        assert last["stage"] == "failed" and last["status"] == 500
        assert_nothing_internal(last, tmp_path)
        assert http.get("/collections/fails").status_code == 404
