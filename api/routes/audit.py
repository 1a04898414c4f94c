"""The audit log, for administrators: read-only, as JSON or a page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api import audit
from api.auth.identity import SignedInDep
from api.auth.service import Identity
from api.deps import reject_unknown_parameters
from api.errors import Forbidden
from api.ogc.common import render
from gis_core.access import Role

router = APIRouter(tags=["Audit"])
JAPAN = ZoneInfo("Asia/Tokyo")


async def admin(identity: SignedInDep) -> Identity:
    if Role.ADMIN not in identity.roles:
        raise Forbidden("only administrators may read the audit log")
    return identity


@router.get("/audit", summary="Audit log entries, newest first (admin)")
async def audit_log(
    request: Request,
    reader: Annotated[Identity, Depends(admin)],
    username: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    f: str | None = None,
) -> Response:
    reject_unknown_parameters(request, frozenset({"username", "action", "since", "limit", "f"}))
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, at, username, roles, action, target, detail::text AS detail, "
            "host(client_ip) AS client_ip, user_agent FROM audit_log "
            "WHERE ($1::text IS NULL OR username = $1) AND ($2::text IS NULL OR action = $2) "
            "AND ($3::timestamptz IS NULL OR at >= $3) ORDER BY at DESC, id DESC LIMIT $4",
            username, action, since, limit,
        )
    await audit.record(request, "read", "audit_log", {"query": str(request.url.query)})
    entries: list[dict[str, Any]] = [
        {**dict(row), "at": row["at"].astimezone(JAPAN).isoformat()} for row in rows
    ]
    return render(request, "audit.html", {"entries": entries, "reader": reader.username})
