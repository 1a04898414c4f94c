"""The counters domain's API: thin — parse, one service call, shape."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import reject_unknown_parameters
from api.ogc.common import json_response

router = APIRouter(tags=["Counters"])


@router.get("/counters", summary="The city's service counters (窓口)")
async def counters(request: Request) -> Response:
    reject_unknown_parameters(request, frozenset())
    return json_response({"counters": request.app.state.counters})
