"""Emergency mode: one switch, thrown by a disaster officer, that every worker sees."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import asyncpg

CHANNEL = "citygis_emergency"


@dataclass(frozen=True)
class EmergencyState:
    active: bool
    message_ja: str
    message_en: str
    changed_by: str | None
    changed_at: datetime

    def public(self) -> dict[str, Any]:
        found = asdict(self)
        found["changed_at"] = self.changed_at.isoformat()
        del found["changed_by"]  # who threw the switch is for the audit log, not the public
        return found


SELECT = "SELECT active, message_ja, message_en, changed_by, changed_at FROM emergency_state"


async def current(conn: asyncpg.Connection) -> EmergencyState:
    return EmergencyState(**dict(await conn.fetchrow(SELECT)))


async def set_state(conn: asyncpg.Connection, active: bool, message_ja: str, message_en: str,
                    actor: str) -> EmergencyState:
    row = await conn.fetchrow(
        "UPDATE emergency_state SET active = $1, message_ja = $2, message_en = $3, "
        "changed_by = $4, changed_at = now() "
        "RETURNING active, message_ja, message_en, changed_by, changed_at",
        active, message_ja, message_en, actor,
    )
    await conn.execute(f"NOTIFY {CHANNEL}, '{'on' if active else 'off'}'")
    return EmergencyState(**dict(row))


class EmergencyFlag:
    """Emergency mode as last read from the database, re-read at most every ``ttl_s`` seconds:
    cheap enough for every tile request during a spike, and every worker sees a switch within
    ttl_s."""

    def __init__(self, ttl_s: float = 2.0) -> None:
        self.ttl_s = ttl_s
        self._checked = float("-inf")
        self._state: EmergencyState | None = None

    async def state(self, pool: asyncpg.Pool) -> EmergencyState:
        if self._state is None or time.monotonic() - self._checked > self.ttl_s:
            async with pool.acquire() as conn:
                self._state = await current(conn)
            self._checked = time.monotonic()
        return self._state

    async def active(self, pool: asyncpg.Pool) -> bool:
        return (await self.state(pool)).active

    def forget(self) -> None:
        """After this worker switched the mode itself: read it again next time."""
        self._checked = float("-inf")


def install(app: Any) -> None:
    """The application's emergency flag (read by every route that behaves otherwise in an
    emergency: reports without an account, bookings suspended for opened shelters)."""
    app.state.emergency = EmergencyFlag()
