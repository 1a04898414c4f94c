"""The monthly lottery over HTTP (月例抽選): rounds and their published results are public;
citizens enter; facility staff open rounds, draw and reveal the seed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from api import audit
from api.deps import reject_unknown_parameters
from api.ogc.common import json_response
from api.routes.booking_deps import CitizenDep, RoundId, StaffDep, read, write
from layers.facilities import lottery, lottery_draw
from layers.facilities.schemas import DrawIn, EntryIn, RoundIn

router = APIRouter(tags=["Facility lottery"])


@router.get("/lottery/rounds", summary="Lottery rounds with their seed commitments")
async def list_rounds(request: Request) -> Response:
    reject_unknown_parameters(request, frozenset())
    return json_response({"rounds": await read(request, lottery.rounds)})


@router.post("/lottery/rounds", status_code=201,
             summary="Open a round: its slots, and the SHA-256 commitment of its seed")
async def create_round(request: Request, identity: StaffDep,
                       body: Annotated[RoundIn, Body()]) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await lottery.create_round(conn, body, identity.user_id)
        await audit.record(request, "lottery-open", f"lottery_round:{doc['id']}",
                           {"month": doc["month"], "commitment": doc["seed_commitment"]},
                           conn=conn)
        return doc

    doc = await write(request, run)
    return json_response(doc, status_code=201,
                         headers={"Location": f"/lottery/rounds/{doc['id']}"})


@router.get("/lottery/rounds/{roundId}", summary="One round")
async def get_round(request: Request, round_id: RoundId) -> Response:
    reject_unknown_parameters(request, frozenset())
    return json_response(await read(request, lambda conn: lottery.round_doc(conn, round_id)))


@router.get("/lottery/rounds/{roundId}/slots", summary="The slots a round allocates")
async def round_slots(request: Request, round_id: RoundId) -> Response:
    reject_unknown_parameters(request, frozenset())
    slots = await read(request, lambda conn: lottery.round_slots(conn, round_id))
    return json_response({"round_id": round_id, "slots": slots})


@router.post("/lottery/rounds/{roundId}/entries", status_code=201,
             summary="Enter a round with ranked choices (one entry per household per slot)")
async def enter(request: Request, round_id: RoundId, identity: CitizenDep,
                body: Annotated[EntryIn, Body()]) -> Response:
    doc = await write(request, lambda conn: lottery.apply(conn, round_id, identity.user_id,
                                                          body))
    return json_response(doc, status_code=201)


@router.get("/me/lottery/entries", summary="Your lottery entries and their outcome")
async def my_entries(request: Request, identity: CitizenDep) -> Response:
    rows = await read(request, lambda conn: lottery.user_entries(conn, identity.user_id))
    return json_response({"entries": rows})


@router.post("/lottery/rounds/{roundId}/draw", summary="Draw a closed round")
async def draw_round(request: Request, round_id: RoundId, identity: StaffDep,
                     body: Annotated[DrawIn | None, Body()] = None) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await lottery_draw.run_draw(conn, round_id, body.seed if body else None)
        await audit.record(request, "lottery-draw", f"lottery_round:{round_id}",
                           {"winners": doc["winners"]}, conn=conn)
        return doc

    return json_response(await write(request, run))


@router.post("/lottery/rounds/{roundId}/reveal", summary="Publish a drawn round's seed")
async def reveal(request: Request, round_id: RoundId, identity: StaffDep) -> Response:
    async def run(conn: Any) -> dict[str, Any]:
        doc = await lottery_draw.reveal(conn, round_id)
        await audit.record(request, "lottery-reveal", f"lottery_round:{round_id}", conn=conn)
        return doc

    return json_response(await write(request, run))


@router.get("/lottery/rounds/{roundId}/results",
            summary="The public record to verify a draw: entries (anonymous), seed, winners")
async def results(request: Request, round_id: RoundId) -> Response:
    reject_unknown_parameters(request, frozenset())
    return json_response(await read(request, lambda conn: lottery_draw.published(conn,
                                                                                 round_id)))
