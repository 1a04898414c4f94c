"""The audit log: who did or read what, when, from where. Append-only (a database trigger
refuses UPDATE and DELETE); there is no API to change it."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson
from fastapi import Request

from gis_core.access import ANONYMOUS


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def record(request: Request, action: str, target: str,
                 detail: dict[str, Any] | None = None,
                 conn: asyncpg.Connection | None = None) -> None:
    """Write one entry, in ``conn``'s transaction when given (so it commits with the change)."""
    identity = getattr(request.state, "identity", None)
    roles = sorted(str(r) for r in (identity.roles if identity else ANONYMOUS))
    args = (
        identity.user_id if identity else None, identity.username if identity else None,
        roles, action, target, orjson.dumps(detail or {}).decode(), client_ip(request),
        request.headers.get("user-agent", "")[:300],
    )
    sql = ("INSERT INTO audit_log (user_id, username, roles, action, target, detail, "
           "client_ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::inet, $8)")
    if conn is not None:
        await conn.execute(sql, *args)
        return
    async with request.app.state.pool.acquire() as own:
        await own.execute(sql, *args)
