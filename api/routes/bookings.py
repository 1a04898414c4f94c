"""Facility bookings over HTTP (施設予約): availability on the map and by API, rooms and their
calendars, first-come bookings, the waiting list, the caller's own bookings and address. The
lottery and the staff routes are in ``lottery`` and ``facility_staff``; this router includes
them, and runs the outbox sender and the housekeeping loop for the app's lifetime.

Holders are never shown to other citizens: calendars say free/booked (or ``mine``); staff see
holders through ``facility_staff`` routes, and each such read is audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Path, Query, Request
from fastapi.responses import Response

from api import audit
from api.auth.identity import IdentityDep, SignedInDep
from api.deps import check_service_area, parse_timestamp, reject_unknown_parameters
from api.errors import InvalidParameter
from api.ogc.common import GEOJSON, json_response
from api.routes import facility_staff, lottery
from api.routes.booking_deps import (
    BookingId,
    CitizenDep,
    CitizenOrStaffDep,
    RoomId,
    day_query,
    instant_query,
    is_staff,
    read,
    write,
)
from gis_core.settings import Settings
from layers.base import service as base
from layers.facilities import availability, booking, households, waitlist
from layers.facilities import lottery as lottery_service
from layers.facilities.ledger import iso
from layers.facilities.notify import Notifier
from layers.facilities.rooms import japan_day, load_room, room_doc, room_docs, utcnow
from layers.facilities.schemas import BookingChange, BookingIn, ProfileIn
from layers.facilities.service import housekeeping

log = logging.getLogger(__name__)
SEARCH_PARAMETERS = frozenset({"start", "end", "kind", "capacity", "lon", "lat", "radius",
                               "chome", "f"})
DEFAULT_RADIUS_M = 1000.0


async def _housekeeping_loop(app: FastAPI) -> None:
    interval = app.state.settings.housekeeping_interval_s
    last_day: date | None = None
    while True:
        try:
            async with app.state.pool.acquire() as conn:
                last_day = await housekeeping(conn, last_day=last_day)
            app.state.notifier.kick()
        except Exception:
            log.exception("booking housekeeping failed")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """The outbox sender, and (unless switched off) the housekeeping loop."""
    app.state.notifier = Notifier(app.state.pool, app.state.settings)
    await app.state.notifier.start(app.state.listener)
    loop = None
    if app.state.settings.housekeeping_interval_s > 0:
        loop = asyncio.get_running_loop().create_task(_housekeeping_loop(app))
    try:
        yield
    finally:
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        await app.state.notifier.stop()


router = APIRouter(tags=["Facility bookings"], lifespan=lifespan)


def _near(settings: Settings, lon: float | None, lat: float | None, radius: float | None
          ) -> tuple[float, float, float] | None:
    if lon is None and lat is None and radius is None:
        return None
    if lon is None or lat is None:
        missing = "lat" if lon is not None else "lon"
        raise InvalidParameter("lon, lat (and radius, metres) go together", parameter=missing)
    check_service_area(settings, lon, lat)
    return lon, lat, DEFAULT_RADIUS_M if radius is None else radius


def _as_geojson(rooms: list[dict[str, Any]]) -> dict[str, Any]:
    """One point per facility, its matching rooms as properties (for the map)."""
    facilities: dict[int, dict[str, Any]] = {}
    for room in rooms:
        feature = facilities.setdefault(room["facility_id"], {
            "type": "Feature", "id": room["facility_id"],
            "geometry": {"type": "Point", "coordinates": [room["lon"], room["lat"]]},
            "properties": {"facility_name": room["facility_name"], "distance_m":
                           room["distance_m"], "free_count": 0, "rooms": []}})
        feature["properties"]["free_count"] += room["free_count"]
        feature["properties"]["rooms"].append({k: v for k, v in room.items()
                                               if k not in ("lon", "lat")})
    return {"type": "FeatureCollection", "features": list(facilities.values())}


@router.get("/facilities/availability", summary="Rooms free for booking in a time range")
async def search_availability(
    request: Request,
    start: Annotated[str, instant_query("from")],
    end: Annotated[str, instant_query("until, at most 31 days after start")],
    kind: Annotated[str | None, Query(pattern=r"^[a-z_]{2,30}$", description="room kind")] = None,
    capacity: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, allow_inf_nan=False,
                                       description="longitude (WGS 84)")] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, allow_inf_nan=False,
                                       description="latitude (WGS 84)")] = None,
    radius: Annotated[float | None, Query(
        ge=1, le=50_000, description=f"metres around lon/lat (default {DEFAULT_RADIUS_M:g})")
    ] = None,
    chome: Annotated[str | None, Query(max_length=50, description="町丁目 name")] = None,
    f: Annotated[str, Query(pattern="^(json|geojson)$")] = "json",
) -> Response:
    """``lon``/``lat``/``radius`` or ``chome`` narrow the place. ``f=geojson`` gives the
    facilities as points for the map."""
    reject_unknown_parameters(request, SEARCH_PARAMETERS)
    start_at, end_at = parse_timestamp(start, "start"), parse_timestamp(end, "end")
    near = _near(request.app.state.settings, lon, lat, radius)

    async def run(conn: Any) -> list[dict[str, Any]]:
        area = await base.chome_area(conn, chome) if chome else None
        if chome and area is None:
            raise InvalidParameter(f"no 町丁目 named {chome!r}", parameter="chome")
        return await availability.search(conn, start_at, end_at, kind=kind,
                                         capacity=capacity, near=near, area=area)

    rooms = await read(request, run)
    if f == "geojson":
        return json_response(_as_geojson(rooms), GEOJSON)
    return json_response({"start": iso(start_at), "end": iso(end_at), "numberMatched": len(rooms),
                          "rooms": rooms})


@router.get("/rooms", summary="Rooms and courts (with units, hours, closed days)")
async def list_rooms(
    request: Request,
    facility_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    kind: Annotated[str | None, Query(pattern=r"^[a-z_]{2,30}$")] = None,
) -> Response:
    reject_unknown_parameters(request, frozenset({"facility_id", "kind"}))

    async def run(conn: Any) -> list[dict[str, Any]]:
        ids = [r["id"] for r in await conn.fetch(
            "SELECT id FROM room WHERE active AND ($1::integer IS NULL OR facility_id = $1) "
            "AND ($2::text IS NULL OR kind = $2) ORDER BY facility_id, name", facility_id, kind)]
        return await room_docs(conn, ids)

    return json_response({"rooms": await read(request, run)})


@router.get("/rooms/{roomId}", summary="One room")
async def get_room(request: Request, room_id: RoomId) -> Response:
    reject_unknown_parameters(request, frozenset())
    room = await read(request, lambda conn: load_room(conn, room_id, "roomId"))
    return json_response(room_doc(room))


@router.get("/rooms/{roomId}/calendar", summary="A room's days and units: free or booked")
async def room_calendar(
    request: Request, room_id: RoomId, identity: IdentityDep,
    start: Annotated[date | None, day_query("first day, default today")] = None,
    end: Annotated[date | None, day_query("last day, default 13 days after start")] = None,
) -> Response:
    """Units are ``free``, ``booked``, ``mine``, ``suspended``, ``lottery``, ``not_yet_open``
    or ``past``."""
    reject_unknown_parameters(request, frozenset({"start", "end"}))
    first = start or japan_day(utcnow())
    last = end or first + timedelta(days=13)
    viewer = identity.user_id if identity else None
    doc = await read(request, lambda conn: availability.calendar(conn, room_id, first, last,
                                                                 viewer))
    return json_response(doc)


@router.post("/bookings", status_code=201, summary="Book a room (first come, first served)")
async def create_booking(request: Request, identity: CitizenDep,
                         body: Annotated[BookingIn, Body()]) -> Response:
    doc = await write(request, lambda conn: booking.book(conn, identity.user_id, body))
    return json_response(doc, status_code=201,
                         headers={"Location": f"/bookings/{doc['id']}"})


@router.get("/bookings/{bookingId}", summary="A booking (yours; staff: anyone's, audited)")
async def get_booking(request: Request, booking_id: BookingId,
                      identity: CitizenOrStaffDep) -> Response:
    staff = is_staff(identity)

    async def run(conn: Any) -> dict[str, Any]:
        doc = await booking.find_booking(conn, booking_id, None if staff else identity.user_id)
        if staff and doc.get("holder_user_id") != identity.user_id:
            await audit.record(request, "read", f"booking:{booking_id}", conn=conn)
        return doc

    return json_response(await read(request, run))


@router.patch("/bookings/{bookingId}", summary="Change your booking's time or party size")
async def change_booking(request: Request, booking_id: BookingId, identity: CitizenDep,
                         body: Annotated[BookingChange, Body()]) -> Response:
    return json_response(await write(
        request, lambda conn: booking.change(conn, identity.user_id, booking_id, body)))


@router.post("/bookings/{bookingId}/cancel", summary="Cancel a booking (staff: anyone's)")
async def cancel_booking(request: Request, booking_id: BookingId,
                         identity: CitizenOrStaffDep) -> Response:
    staff = is_staff(identity)

    async def run(conn: Any) -> dict[str, Any]:
        doc = await booking.cancel(conn, None if staff else identity.user_id, booking_id)
        if staff:
            await audit.record(request, "cancel", f"booking:{booking_id}", conn=conn)
        return doc

    return json_response(await write(request, run))


@router.post("/bookings/{bookingId}/confirm", summary="Confirm a lottery win before its deadline")
async def confirm_booking(request: Request, booking_id: BookingId,
                          identity: CitizenDep) -> Response:
    return json_response(await write(
        request, lambda conn: lottery_service.confirm(conn, identity.user_id, booking_id)))


@router.get("/me/bookings", summary="Your bookings")
async def my_bookings(request: Request, identity: CitizenDep,
                      past: Annotated[bool, Query()] = False) -> Response:
    reject_unknown_parameters(request, frozenset({"past"}))
    rows = await read(request, lambda conn: booking.user_bookings(conn, identity.user_id,
                                                                  past=past))
    return json_response({"bookings": rows})


@router.post("/waitlist", status_code=201, summary="Wait for a booked time (キャンセル待ち)")
async def join_waitlist(request: Request, identity: CitizenDep,
                        body: Annotated[BookingIn, Body()]) -> Response:
    doc = await write(request, lambda conn: waitlist.join(conn, identity.user_id, body))
    return json_response(doc, status_code=201)


@router.get("/me/waitlist", summary="Your places on waiting lists")
async def my_waitlist(request: Request, identity: CitizenDep) -> Response:
    rows = await read(request, lambda conn: waitlist.user_entries(conn, identity.user_id))
    return json_response({"entries": rows})


@router.delete("/waitlist/{entryId}", summary="Leave a waiting list")
async def leave_waitlist(request: Request, identity: CitizenDep,
                         entry_id: Annotated[int, Path(alias="entryId", ge=1,
                                                       le=2**63 - 1)]) -> Response:
    return json_response(await write(
        request, lambda conn: waitlist.withdraw(conn, identity.user_id, entry_id)))


@router.get("/me/profile", summary="Your address and whether the city verified it")
async def my_profile(request: Request, identity: SignedInDep) -> Response:
    return json_response(await read(request, lambda conn: households.profile(
        conn, identity.user_id)))


@router.put("/me/profile", summary="Give or change your address (verification starts over)")
async def set_profile(request: Request, identity: CitizenDep,
                      body: Annotated[ProfileIn, Body()]) -> Response:
    return json_response(await write(request, lambda conn: households.set_address(
        conn, identity.user_id, body.address)))


router.include_router(lottery.router)
router.include_router(facility_staff.router)
