"""Emergency mode and citizens' reports.

In emergency mode anyone may report (no account, rate-limited per address); otherwise only
signed-in users. Officers triage reports and throw the switch; both are audited, and so is
every read of reports and their photos."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field, model_validator
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import audit
from api.auth.identity import IdentityDep, holding
from api.auth.service import Identity
from api.body_limits import MAX_REPORT_BYTES, REPORT_LIMIT
from api.deps import INT8
from api.errors import InvalidParameter, NotFound, Problem, Unauthorized
from api.ogc.common import json_response
from api.throttle import SlidingWindow
from gis_core.access import Role
from layers.base.service import inside_city
from layers.disaster import emergency, operations, photos, reports
from layers.disaster.catalog import NOTE_LENGTH

router = APIRouter(tags=["Emergency"])
Officer = Annotated[Identity, Depends(holding(Role.DISASTER_OFFICER))]
ReportId = Annotated[int, Path(alias="reportId", ge=1, le=INT8)]


class TooManyReports(Problem):
    status, slug, title = 429, "too-many-reports", "Too many reports"


class PayloadTooLarge(Problem):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class EmergencySwitch(BaseModel):
    active: bool
    message_ja: str = Field(default="", max_length=500)
    message_en: str = Field(default="", max_length=500)


class Triage(BaseModel):
    status: str = Field(pattern="^(" + "|".join(reports.STATUSES) + ")$")
    duplicate_of: int | None = Field(default=None, ge=1, le=INT8)

    @model_validator(mode="after")
    def duplicate_names_its_original(self) -> Triage:
        if (self.status == "duplicate") != (self.duplicate_of is not None):
            raise ValueError("duplicate_of is given exactly when status is 'duplicate'")
        return self


@router.get("/emergency", summary="Is emergency mode on? (public)")
async def emergency_state(request: Request) -> Response:
    state = await request.app.state.emergency.state(request.app.state.pool)
    return json_response(state.public(), headers={"Cache-Control": "no-cache"})


@router.put("/emergency", summary="Switch emergency mode on or off (disaster officer)")
async def switch_emergency(request: Request, officer: Officer,
                           switch: Annotated[EmergencySwitch, Body()]) -> Response:
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        was = await emergency.current(conn)
        state = await emergency.set_state(conn, switch.active, switch.message_ja,
                                          switch.message_en, officer.username)
        starting = switch.active and not was.active
        suspended = (await operations.suspend_for_open_shelters(conn, officer.user_id)
                     if starting else [])
        await audit.record(request, "emergency-on" if switch.active else "emergency-off",
                           "emergency_state", {**switch.model_dump(),
                                               "suspensions": [s["id"] for s in suspended]},
                           conn=conn)
    request.app.state.emergency.forget()
    body = {**state.public(), "facilities_suspended": [s["facility_id"] for s in suspended]}
    return json_response(body)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _coordinate(form: FormData, name: str, low: float, high: float) -> float:
    try:
        value = float(_field(form, name))
    except ValueError:
        raise InvalidParameter(f"{name} must be a number", parameter=name) from None
    if not low <= value <= high:
        raise InvalidParameter(f"{name} must be between {low} and {high}", parameter=name)
    return value


def _category_and_note(form: FormData) -> tuple[str, str]:
    category, note = _field(form, "category"), _field(form, "note")
    if category not in reports.CATEGORIES:
        raise InvalidParameter(f"category must be one of {', '.join(reports.CATEGORIES)}",
                               parameter="category")
    if len(note) > NOTE_LENGTH:
        raise InvalidParameter(f"note is longer than {NOTE_LENGTH} characters", parameter="note")
    return category, note


async def _photo(request: Request, form: FormData) -> str | None:
    upload = form.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    jpeg = photos.clean_jpeg(await upload.read())
    return photos.store(request.app.state.settings.var_dir / "uploads" / "reports", jpeg)


async def _read_form(request: Request) -> FormData:
    if int(request.headers.get("content-length") or 0) > MAX_REPORT_BYTES:
        raise PayloadTooLarge(f"a report may be at most {MAX_REPORT_BYTES // 2**20} MB")
    try:
        return await request.form(max_files=1, max_fields=10, max_part_size=MAX_REPORT_BYTES)
    except StarletteHTTPException as error:
        if error.status_code == 413:
            raise  # the body limit: answered as 413, not as a bad form
        raise InvalidParameter(f"the form could not be read: {error.detail}",
                               parameter="body") from None
    except Exception as error:  # Starlette raises MultiPartException
        raise InvalidParameter(f"the form could not be read: {error}", parameter="body") from None


REPORT_LIMITER = SlidingWindow("reports", limit=5, window_s=600)


async def _may_report(request: Request, identity: Identity | None) -> None:
    pool = request.app.state.pool
    if identity is None and not await request.app.state.emergency.active(pool):
        raise Unauthorized("log in to report (anyone may report in emergency mode)")
    # Signed-in reporters are counted per account (many citizens may share one address).
    key = f"user:{identity.user_id}" if identity else f"ip:{audit.client_ip(request)}"
    async with pool.acquire() as conn:
        if not await REPORT_LIMITER.take(conn, key):
            raise TooManyReports("too many reports from you; try again later",
                                 headers={"Retry-After": str(int(REPORT_LIMITER.window_s))})


@router.post("/reports", status_code=201, summary="Report damage or a blocked road",
             max_body_size=REPORT_LIMIT)
async def create_report(request: Request, identity: IdentityDep) -> Response:
    await _may_report(request, identity)
    form = await _read_form(request)
    lon = _coordinate(form, "lon", -180, 180)
    lat = _coordinate(form, "lat", -90, 90)
    category, note = _category_and_note(form)
    async with request.app.state.pool.acquire() as conn:
        if not await inside_city(conn, lon, lat):
            raise InvalidParameter("the place is outside the city", parameter="lon")
        photo = await _photo(request, form)
        async with conn.transaction():
            report_id = await reports.create(conn, reports.NewReport(
                lon, lat, category, note, photo, identity.user_id if identity else None,
                audit.client_ip(request)))
            await audit.record(request, "report", f"crowd_report:{report_id}",
                               {"category": category}, conn=conn)
        nearby = await reports.similar(conn, report_id)
    body = {"id": report_id, "similar_reports_nearby": len(nearby)}
    return json_response(body, status_code=201)


@router.get("/reports", summary="Reports for triage, with suggested duplicates (officer)")
async def list_reports(
    request: Request, officer: Officer,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(reports.STATUSES) + ")$")] = None,
    category: Annotated[str | None,
                        Query(pattern="^(" + "|".join(reports.CATEGORIES) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Response:
    async with request.app.state.pool.acquire() as conn:
        found = await reports.listing(conn, status, category, limit)
        await audit.record(request, "read", "crowd_report", {"query": str(request.url.query)},
                           conn=conn)
    return json_response({"reports": found})


@router.patch("/reports/{reportId}", summary="Triage a report (officer)")
async def triage_report(request: Request, officer: Officer, report_id: ReportId,
                        triage: Annotated[Triage, Body()]) -> Response:
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        if triage.duplicate_of == report_id:
            raise InvalidParameter("a report cannot duplicate itself", parameter="duplicate_of")
        try:
            found = await reports.triage(conn, report_id, triage.status, triage.duplicate_of,
                                         officer.username)
        except asyncpg.ForeignKeyViolationError:
            raise InvalidParameter("no such report to be a duplicate of",
                                   parameter="duplicate_of") from None
        if not found:
            raise NotFound(f"no report {report_id}", parameter="reportId")
        await audit.record(request, "triage", f"crowd_report:{report_id}",
                           triage.model_dump(), conn=conn)
    return Response(status_code=204)


@router.get("/reports/{reportId}/photo", summary="A report's photo (officer)")
async def report_photo(request: Request, officer: Officer, report_id: ReportId) -> Response:
    async with request.app.state.pool.acquire() as conn:
        name = await reports.photo_of(conn, report_id)
        if name is None:
            raise NotFound(f"report {report_id} has no photo", parameter="reportId")
        await audit.record(request, "read", f"crowd_report:{report_id}:photo", conn=conn)
    folder = request.app.state.settings.var_dir / "uploads" / "reports"
    return FileResponse(folder / name, media_type="image/jpeg",
                        headers={"Cache-Control": "private, no-store"})
