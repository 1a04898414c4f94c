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
    """Whether emergency mode is on, read from the database at most every ``ttl_s`` seconds
    (cheap enough for every tile request, and every worker sees a switch within ttl_s)."""

    def __init__(self, ttl_s: float = 2.0) -> None:
        self.ttl_s = ttl_s
        self._checked = float("-inf")
        self._active = False

    async def active(self, pool: asyncpg.Pool) -> bool:
        if time.monotonic() - self._checked > self.ttl_s:
            async with pool.acquire() as conn:
                self._active = await conn.fetchval("SELECT active FROM emergency_state")
            self._checked = time.monotonic()
        return self._active
