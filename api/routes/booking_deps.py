"""What the booking and lottery routes share: who may call them, one transaction per request
(retried on a deadlock, notifications sent after commit), and query parameters of times and
days."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import asyncpg
from fastapi import Depends, Path, Query, Request

from api.auth.identity import SignedInDep
from api.auth.service import Identity
from api.deps import parse_timestamp
from api.errors import Forbidden
from gis_core.access import Role, may

log = logging.getLogger(__name__)
T = TypeVar("T")
INT4 = 2**31 - 1
RETRIES = 3


def requires(*roles: Role) -> Any:
    """A dependency: the signed-in caller, if they hold one of ``roles`` (admins always)."""
    allowed = frozenset(roles)

    async def check(identity: SignedInDep) -> Identity:
        if not may(allowed, identity.roles):
            names = " or ".join(sorted(str(r) for r in allowed))
            raise Forbidden(f"this needs the role {names}")
        return identity

    return Depends(check)


STAFF_ROLES = (Role.FACILITY_STAFF,)
CitizenDep = Annotated[Identity, requires(Role.CITIZEN)]
StaffDep = Annotated[Identity, requires(*STAFF_ROLES)]
CitizenOrStaffDep = Annotated[Identity, requires(Role.CITIZEN, *STAFF_ROLES)]
SuspenderDep = Annotated[Identity, requires(*STAFF_ROLES, Role.DISASTER_OFFICER)]
RoomId = Annotated[int, Path(alias="roomId", ge=1, le=INT4)]
BookingId = Annotated[int, Path(alias="bookingId", ge=1, le=2**63 - 1)]
RoundId = Annotated[int, Path(alias="roundId", ge=1, le=INT4)]


def is_staff(identity: Identity) -> bool:
    return may(frozenset(STAFF_ROLES), identity.roles)


async def write(request: Request, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction, again if PostgreSQL broke a deadlock by aborting it,
    then send the notifications it queued."""
    pool: asyncpg.Pool = request.app.state.pool
    for attempt in range(1, RETRIES + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                result = await work(conn)
            break
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError):
            if attempt == RETRIES:
                raise
            log.info("retrying %s after a deadlock (attempt %d)", request.url.path, attempt)
    return result


async def read(request: Request, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async with request.app.state.pool.acquire() as conn:
        return await work(conn)


INSTANT_FORMAT = "ISO 8601 with offset, e.g. 2027-01-12T09:00:00+09:00"


def instant_query(description: str) -> Any:
    """A query parameter read as an RFC 3339 instant by ``instant`` (its errors name it)."""
    return Query(description=f"{description} ({INSTANT_FORMAT})",
                 examples=["2027-01-12T09:00:00+09:00"], json_schema_extra={"format": "date-time"})


def day_query(description: str) -> Any:
    return Query(description=f"{description} (YYYY-MM-DD)", examples=["2027-01-12"])


def instant(text: str | None, name: str) -> datetime | None:
    return None if text is None else parse_timestamp(text, name)
