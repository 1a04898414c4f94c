"""Staff routes of the facilities (施設管理): rooms (inactive ones too), their units, hours and
closed days; the bookings of a room or of a day with their holders (each read audited); the
citizens awaiting address verification and verifying them; and suspending a facility (also for
disaster officers, when it opens as a shelter)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from api import audit
from api.deps import reject_unknown_parameters
from api.errors import InvalidParameter
from api.ogc.common import json_response
from api.routes.booking_deps import (
    INT4,
    RoomId,
    StaffDep,
    SuspenderDep,
    day_query,
    instant,
    instant_query,
    read,
    write,
)
from layers.facilities import households, room_admin
from layers.facilities.rooms import japan_day, utcnow
from layers.facilities.schemas import ClosureIn, RoomIn, RoomPatch, SuspensionIn
from layers.facilities.service import lift_suspension, suspend_facility

router = APIRouter(tags=["Facility staff"])
UserId = Annotated[int, Path(alias="userId", ge=1, le=INT4)]
FacilityId = Annotated[int, Path(alias="facilityId", ge=1, le=INT4)]
SuspensionId = Annotated[int, Path(alias="suspensionId", ge=1, le=INT4)]


async def _audited(request: Request, conn: Any, action: str, target: str,
                   detail: dict[str, Any] | None = None) -> None:
    await audit.record(request, action, target, detail, conn=conn)


@router.get("/staff/rooms", summary="Every room, inactive ones too (staff)")
async def staff_rooms(request: Request, identity: StaffDep) -> Response:
    reject_unknown_parameters(request, frozenset())
    return json_response({"rooms": await read(request, room_admin.all_rooms)})


@router.post("/rooms", status_code=201, summary="Add a room to a facility (staff)")
async def create_room(request: Request, identity: StaffDep,
                      body: Annotated[RoomIn, Body()]) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await room_admin.create_room(conn, body)
        await _audited(request, conn, "room-create", f"room:{doc['id']}")
        return doc

    doc = await write(request, run)
    return json_response(doc, status_code=201, headers={"Location": f"/rooms/{doc['id']}"})


@router.patch("/rooms/{roomId}", summary="Change a room, its units or opening hours (staff)")
async def update_room(request: Request, room_id: RoomId, identity: StaffDep,
                      body: Annotated[RoomPatch, Body()]) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await room_admin.update_room(conn, room_id, body)
        await _audited(request, conn, "room-update", f"room:{room_id}",
                       body.model_dump(mode="json", exclude_unset=True))
        return doc

    return json_response(await write(request, run))


@router.delete("/rooms/{roomId}", summary="Retire a room (deactivated if it has history)")
async def retire_room(request: Request, room_id: RoomId, identity: StaffDep) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await room_admin.retire_room(conn, room_id)
        await _audited(request, conn, "room-retire", f"room:{room_id}", doc)
        return doc

    return json_response(await write(request, run))


@router.post("/rooms/{roomId}/closures", summary="Close a room for a day (staff)")
async def add_closure(request: Request, room_id: RoomId, identity: StaffDep,
                      body: Annotated[ClosureIn, Body()]) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await room_admin.add_closure(conn, room_id, body)
        await _audited(request, conn, "room-close", f"room:{room_id}",
                       body.model_dump(mode="json"))
        return doc

    return json_response(await write(request, run))


@router.delete("/rooms/{roomId}/closures/{day}", summary="Reopen a closed day (staff)")
async def remove_closure(request: Request, room_id: RoomId, identity: StaffDep,
                         day: Annotated[date, Path()]) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await room_admin.remove_closure(conn, room_id, day)
        await _audited(request, conn, "room-reopen", f"room:{room_id}", {"day": str(day)})
        return doc

    return json_response(await write(request, run))


@router.get("/rooms/{roomId}/bookings", summary="A room's bookings with holders (staff, audited)")
async def room_bookings(
    request: Request, room_id: RoomId, identity: StaffDep,
    start: Annotated[str | None, instant_query("from, default now")] = None,
    end: Annotated[str | None, instant_query("until, default 31 days after start")] = None,
) -> Response:
    reject_unknown_parameters(request, frozenset({"start", "end"}))
    since = instant(start, "start") or utcnow()
    until = instant(end, "end") or since + timedelta(days=31)
    if until < since:  # PostgreSQL refuses such a range (a 500 the fuzz found)
        raise InvalidParameter("end must not be before start", parameter="end")

    async def run(conn: Any) -> list[dict[str, Any]]:
        rows = await room_admin.room_bookings(conn, room_id, since, until)
        await _audited(request, conn, "read", f"room_bookings:{room_id}",
                       {"query": str(request.url.query), "holders": len(rows)})
        return rows

    return json_response({"room_id": room_id, "bookings": await write(request, run)})


@router.get("/staff/bookings", summary="Every booking of a day across rooms, with holders "
            "(staff, audited)")
async def bookings_of_day(
    request: Request, identity: StaffDep,
    day: Annotated[date | None, day_query("default today, Japan time")] = None,
    facility: Annotated[int | None, Query(ge=1, le=INT4, description="only this facility")
                        ] = None,
) -> Response:
    reject_unknown_parameters(request, frozenset({"day", "facility"}))
    wanted = day or japan_day(utcnow())

    async def run(conn: Any) -> list[dict[str, Any]]:
        rows = await room_admin.day_bookings(conn, wanted, facility)
        await _audited(request, conn, "read", f"bookings_day:{wanted}",
                       {"query": str(request.url.query), "holders": len(rows)})
        return rows

    return json_response({"day": str(wanted), "facility": facility,
                          "bookings": await write(request, run)})


@router.get("/staff/citizens/pending",
            summary="Citizens whose address awaits verification (本人確認; staff, audited)")
async def pending_citizens(request: Request, identity: StaffDep) -> Response:
    reject_unknown_parameters(request, frozenset())

    async def run(conn: Any) -> list[dict[str, Any]]:
        rows = await households.pending(conn)
        await _audited(request, conn, "read", "citizens_pending", {"citizens": len(rows)})
        return rows

    return json_response({"citizens": await write(request, run)})


@router.post("/citizens/{userId}/verify", summary="Confirm a citizen's address (本人確認)")
async def verify_citizen(request: Request, user_id: UserId, identity: StaffDep) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await households.verify(conn, user_id, identity.user_id)
        await _audited(request, conn, "verify-address", f"user:{user_id}")
        return doc

    return json_response(await write(request, run))


@router.post("/facilities/{facilityId}/suspensions", status_code=201,
             summary="Suspend a facility's bookings for a time (e.g. opened as a shelter)")
async def suspend(request: Request, facility_id: FacilityId, identity: SuspenderDep,
                  body: Annotated[SuspensionIn, Body()]) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await suspend_facility(conn, facility_id, body.start, body.end, body.reason,
                                     identity.user_id)
        await _audited(request, conn, "facility-suspend", f"facility:{facility_id}",
                       {"suspension": doc["id"], "bookings": len(doc["bookings_suspended"])})
        return doc

    return json_response(await write(request, run), status_code=201)


@router.post("/suspensions/{suspensionId}/lift", summary="End a suspension early")
async def lift(request: Request, suspension_id: SuspensionId,
               identity: SuspenderDep) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await lift_suspension(conn, suspension_id)
        await _audited(request, conn, "facility-lift", f"suspension:{suspension_id}")
        return doc

    return json_response(await write(request, run))

