"""Planners' own layers: define one, import one from a file (GeoJSON, GeoPackage, zipped
Shapefile in UTF-8 or cp932, CSV with lon/lat; CRS read from the file or given, reprojected to
EPSG:4326 — JGD2000/JGD2011 plane rectangular zones and the Tokyo datum included), delete one;
and export any readable layer as GeoPackage, GeoJSON or CSV.

Imports are atomic: with ``on_error=reject_file`` (the default) one bad row stops the whole
file and the answer lists every bad row with its number and reason; ``on_error=skip_rows``
stores the good rows and still lists the rejected ones."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import geopandas as gpd
import orjson
import shapely
from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.background import BackgroundTask
from starlette.datastructures import FormData, UploadFile

from api import audit
from api.auth.identity import holding
from api.auth.service import Identity
from api.body_limits import IMPORT_LIMIT
from api.deps import LayerDep, PoolDep
from api.errors import InvalidParameter, NotFound, Problem, instance, internal_error
from api.ogc.common import json_response
from gis_core import fileio, user_layers
from gis_core.access import Role
from gis_core.catalog import FieldType, Layer
from gis_core.user_layers import FieldSpec, LayerSpec
from gis_core.validation import GEOMETRY_TYPES

log = logging.getLogger(__name__)
router = APIRouter(tags=["Layers"])
Planner = Annotated[Identity, Depends(holding(Role.PLANNER))]
CHUNK = 1024 * 1024
EXPORTS = {"gpkg": ("GPKG", "application/geopackage+sqlite3", ".gpkg"),
           "geojson": ("GeoJSON", "application/geo+json", ".geojson"),
           "csv": ("CSV", "text/csv; charset=utf-8", ".csv")}


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Upload too large"


class LayerExists(Problem):
    status, slug, title = 409, "layer-exists", "The layer exists"


class RowsRejected(Problem):
    status, slug, title = 422, "rows-rejected", "Rows rejected"


async def _refresh(request: Request, conn: asyncpg.Connection) -> None:
    await user_layers.refresh(request.app.state.catalog, conn)
    request.app.state.extents.clear()


async def _create(request: Request, conn: asyncpg.Connection, spec: LayerSpec,
                  planner: Identity) -> Layer:
    if request.app.state.catalog.get(spec.id) is not None:
        raise LayerExists(f"a layer {spec.id!r} exists already", parameter="id")
    try:
        return await user_layers.create(conn, spec, planner.username)
    except asyncpg.UniqueViolationError:
        raise LayerExists(f"a layer {spec.id!r} exists already", parameter="id") from None


@router.post("/layers", status_code=201, summary="Define a new layer (planners)")
async def create_layer(request: Request, pool: PoolDep, planner: Planner,
                       spec: Annotated[LayerSpec, Body()]) -> Response:
    async with pool.acquire() as conn:
        async with conn.transaction():
            layer = await _create(request, conn, spec, planner)
            await audit.record(request, "create-layer", layer.id, spec.model_dump(mode="json"),
                               conn=conn)
        await _refresh(request, conn)
    return json_response({"id": layer.id, "table": layer.table}, status_code=201,
                         headers={"Location": f"/collections/{layer.id}"})


@router.delete("/layers/{layerId}", status_code=204, summary="Delete a planner's layer")
async def delete_layer(request: Request, pool: PoolDep, planner: Planner,
                       layer_id: Annotated[str, PathParam(alias="layerId")]) -> Response:
    async with pool.acquire() as conn:
        async with conn.transaction():
            if not await user_layers.drop(conn, layer_id):
                raise NotFound(f"no layer {layer_id!r} made by planners", parameter="layerId")
            await audit.record(request, "delete-layer", layer_id, conn=conn)
        await _refresh(request, conn)
    return Response(status_code=204)


# --- import ---------------------------------------------------------------------------------

def _upload_name(filename: str | None) -> str:
    """``upload`` with the file's extension: the client's name never reaches the disk."""
    suffix = Path(filename or "").suffix.lower()
    return "upload" + (suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else "")


async def _save_upload(upload: UploadFile, folder: Path, limit: int) -> Path:
    """The upload on disk, read in chunks; 413 past ``limit``."""
    target = folder / _upload_name(upload.filename)
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"files may have at most {limit // 2**20} MB",
                                      parameter="file")
            out.write(chunk)
    return target


def _text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else default


def _geometry_type(form: FormData, frame: gpd.GeoDataFrame) -> str:
    """As asked, or the file's one kind, or the Multi* of its kinds. Kinds a layer cannot hold
    (GeometryCollection) do not count: their rows are rejected, as are rows without geometry
    when the file has nothing else."""
    kinds = {g.geom_type for g in frame.geometry if g is not None} & set(GEOMETRY_TYPES)
    if asked := _text(form, "geometry_type"):
        return asked
    if len(kinds) == 1:
        return next(iter(kinds))
    return "Multi" + sorted(kinds)[0].removeprefix("Multi") if kinds else "Point"


def _spec(form: FormData, frame: gpd.GeoDataFrame, names: dict[str, str]) -> LayerSpec:
    fields = [FieldSpec(name=new, type=user_layers.infer_type(frame[old]), title_ja=str(old),
                        title_en=str(old)) for old, new in names.items()]
    try:
        return LayerSpec(id=_text(form, "id"), geometry_type=_geometry_type(form, frame),
                         title_ja=_text(form, "title_ja"),
                         title_en=_text(form, "title_en") or _text(form, "title_ja"),
                         fields=fields, source=_text(form, "source"),
                         license=_text(form, "license"))
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "file"
        raise InvalidParameter(f"{name}: {first['msg']}", parameter=name) from None


def _rows(reading: fileio.Reading, spec: LayerSpec, names: dict[str, str], extent: Extent
          ) -> tuple[list[tuple[bytes, list[Any]]], list[fileio.Rejected]]:
    geometries, rejected = fileio.check_rows(reading, spec.geometry_type, extent)
    kinds = {f.name: f.type for f in spec.fields}
    columns = [(old, kinds[new]) for old, new in names.items()]
    records = reading.frame[list(names)].itertuples(index=False, name=None)
    rows = []
    for position, record in enumerate(records):
        if position not in geometries:
            continue
        try:
            rows.append((shapely.to_wkb(geometries[position]), _values(record, columns)))
        except ValueError as error:
            rejected.append(fileio.Rejected(position + 1, str(error)))
    rejected.sort(key=lambda r: r.row)
    return rows, rejected


def _values(record: tuple[Any, ...], columns: list[tuple[str, FieldType]]) -> list[Any]:
    """A row's attributes as their columns' types; ValueError names the attribute at fault."""
    values = []
    for (column, kind), value in zip(columns, record, strict=True):
        try:
            values.append(user_layers.convert(value, kind))
        except (ValueError, TypeError, OverflowError) as error:
            raise ValueError(f"attribute {column}: {error}") from None
    return values


def _read(path: Path, work: Path, form: FormData) -> fileio.Reading:
    try:
        return fileio.read_upload(path, work, crs=_text(form, "crs") or None,
                                  encoding=_text(form, "encoding") or None)
    except fileio.UnreadableFile as error:
        raise InvalidParameter(str(error), parameter=error.parameter) from None


Progress = Callable[[dict[str, Any]], Awaitable[None]]
NDJSON = "application/x-ndjson"
Extent = tuple[float, float, float, float]


async def _no_progress(_stage: dict[str, Any]) -> None:
    return None


async def _import(request: Request, pool: asyncpg.Pool, planner: Identity, form: FormData,
                  progress: Progress) -> Response:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidParameter("send the file as the form field 'file'", parameter="file")
    on_error = _text(form, "on_error", "reject_file")
    if on_error not in ("reject_file", "skip_rows"):
        raise InvalidParameter("on_error is reject_file or skip_rows", parameter="on_error")
    work = Path(tempfile.mkdtemp(prefix="import-", dir=_tmp(request)))
    try:
        path = await _save_upload(upload, work, request.app.state.settings.max_upload_bytes)
        await progress({"stage": "received", "bytes": path.stat().st_size})
        reading = await run_in_threadpool(_read, path, work / "unpacked", form)
        frame = reading.frame
        await progress({"stage": "read", "features": len(frame)})
        taken: set[str] = set()
        names = {column: fileio.field_name(column, taken)
                 for column in frame.columns if column != frame.geometry.name}
        spec = _spec(form, frame, names)
        rows, rejected = await run_in_threadpool(_rows, reading, spec, names,
                                                 request.app.state.settings.edit_extent)
        await progress({"stage": "checked", "accepted": len(rows), "rejected": len(rejected)})
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)
    return await _store(request, pool, planner, spec, rows, rejected, on_error)


async def _streamed(request: Request, pool: asyncpg.Pool, planner: Identity,
                    form: FormData) -> AsyncIterator[bytes]:
    """One JSON line per stage, then the outcome: the report, or the problem."""
    lines: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    outcome: dict[str, Any] = {}

    async def work() -> None:
        try:
            done = await _import(request, pool, planner, form, lines.put)
            outcome.update({"stage": "done", "status": done.status_code,
                            **orjson.loads(done.body)})
        except Problem as problem:
            outcome.update({"stage": "failed", **problem.body(instance(request))})
        except Exception:  # the 200 is sent: the app's handler cannot answer for it any more
            log.exception("import stream failed on %s", request.url.path)
            outcome.update({"stage": "failed", **internal_error().body(instance(request))})
        finally:
            await lines.put(None)

    task = asyncio.create_task(work())
    while (line := await lines.get()) is not None:
        yield orjson.dumps(line) + b"\n"
    await task
    yield orjson.dumps(outcome) + b"\n"


@router.post("/layers/import", status_code=201, max_body_size=IMPORT_LIMIT,
             summary="A new layer from a file: GeoJSON, GeoPackage, zipped Shapefile, CSV "
                     "(Accept: application/x-ndjson streams the progress)")
async def import_layer(request: Request, pool: PoolDep, planner: Planner) -> Response:
    limit = request.app.state.settings.max_upload_bytes
    if int(request.headers.get("content-length") or 0) > limit + CHUNK:
        raise PayloadTooLarge(f"files may have at most {limit // 2**20} MB", parameter="file")
    form = await request.form(max_files=1, max_fields=20)
    if NDJSON in request.headers.get("accept", ""):
        return StreamingResponse(_streamed(request, pool, planner, form), media_type=NDJSON)
    return await _import(request, pool, planner, form, _no_progress)


def _tmp(request: Request) -> Path:
    folder = request.app.state.settings.var_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _report(rejected: list[fileio.Rejected]) -> list[dict[str, Any]]:
    return [{"row": r.row, "reason": r.reason} for r in rejected[:1000]]


def _rows_rejected(rejected: list[fileio.Rejected], none_kept: bool) -> RowsRejected:
    """422 listing every rejected row; the first one's reason in the detail (often the fix
    for all of them), and ``crs`` named when that is what every row says is wrong."""
    first = rejected[0]
    advice = "no row can be stored" if none_kept else \
        "send on_error=skip_rows to keep the good ones"
    parameters = {r.parameter for r in rejected}
    problem = RowsRejected(f"{len(rejected)} rows cannot be stored (row {first.row}: "
                           f"{first.reason}); nothing was imported ({advice})",
                           parameter=parameters.pop() if len(parameters) == 1 else "file")
    problem.extra = {"rejected": _report(rejected)}
    return problem


async def _insert(conn: asyncpg.Connection, layer: Layer, rows: list[tuple[bytes, list[Any]]]
                  ) -> int:
    """The checked rows; a refusal by the database (it should find nothing left to refuse) is
    answered as the file's, without its words."""
    try:
        return await user_layers.insert_rows(conn, layer, rows)
    except (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError,
            asyncpg.InterfaceError) as error:
        log.warning("import into %s refused by the database: %r", layer.id, error)
        raise RowsRejected("a value in the file cannot be stored in its column; nothing was "
                           "imported", parameter="file") from None


async def _store(request: Request, pool: asyncpg.Pool, planner: Identity, spec: LayerSpec,
                 rows: list[tuple[bytes, list[Any]]], rejected: list[fileio.Rejected],
                 on_error: str) -> Response:
    if rejected and (on_error == "reject_file" or not rows):
        raise _rows_rejected(rejected, none_kept=not rows)
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT set_config('citygis.actor', $1, true)", planner.username)
            layer = await _create(request, conn, spec, planner)
            count = await _insert(conn, layer, rows)
            await conn.execute("UPDATE dataset SET feature_count = $2 WHERE layer_id = $1",
                               layer.id, count)
            await audit.record(request, "import-layer", layer.id,
                               {"accepted": count, "rejected": len(rejected)}, conn=conn)
        await _refresh(request, conn)
    body = {"id": layer.id, "accepted": count, "rejected": _report(rejected),
            "fields": [f.model_dump() for f in spec.fields]}
    return json_response(body, status_code=201, headers={"Location": f"/collections/{layer.id}"})


# --- export ---------------------------------------------------------------------------------

async def _frame(pool: asyncpg.Pool, layer: Layer) -> gpd.GeoDataFrame:
    names = [f.name for f in layer.fields if f.expression is None]
    columns = "".join(f', t."{n}"' for n in names)
    sql = (f"SELECT t.{layer.id_column} AS id{columns}, ST_AsBinary(t.{layer.geometry_column}) "
           f"AS wkb FROM {layer.table} t ORDER BY t.{layer.id_column}")
    async with pool.acquire() as conn:
        rows = await conn.fetch(sql)
    records = [{k: v for k, v in dict(r).items() if k != "wkb"} for r in rows]
    geometry = [shapely.from_wkb(bytes(r["wkb"])) for r in rows]
    return gpd.GeoDataFrame(records, geometry=geometry, crs=4326)


def _write(frame: gpd.GeoDataFrame, path: Path, driver: str, layer: Layer) -> None:
    if driver == "CSV":
        frame = frame.assign(lon=frame.geometry.x, lat=frame.geometry.y) \
            if layer.geometry_type == "Point" else frame.assign(wkt=frame.geometry.to_wkt())
        frame.drop(columns="geometry").to_csv(path, index=False, encoding="utf-8-sig")
        return
    frame.to_file(path, driver=driver, layer=layer.id)


@router.get("/collections/{collectionId}/export", summary="The whole layer as a file")
async def export_layer(request: Request, layer: LayerDep, pool: PoolDep,
                       f: Annotated[str, Query(pattern="^(gpkg|geojson|csv)$")] = "gpkg"
                       ) -> Response:
    driver, media_type, suffix = EXPORTS[f]
    frame = await _frame(pool, layer)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=_tmp(request)))
    path = work / f"{layer.id}{suffix}"
    await run_in_threadpool(_write, frame, path, driver, layer)
    await audit.record(request, "export", layer.id, {"format": f}) if not layer.is_public \
        else None
    return FileResponse(path, media_type=media_type, filename=path.name,
                        background=BackgroundTask(shutil.rmtree, work, True))
