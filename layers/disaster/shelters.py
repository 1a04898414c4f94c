"""Shelter operations: officers open, fill and close shelters and report occupancy.

Policy for shelters with a known capacity: **full ⇔ occupancy ≥ capacity**. An occupancy that
reaches the capacity makes an open shelter full, one that drops below it reopens a full one;
a status that contradicts the occupancy is refused. Closed is independent of occupancy and
only an explicit status reopens a closed shelter. Shelters without a capacity are marked full
by hand. Every change notifies ``citygis_shelter_status`` (a trigger of migration 0009).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from gis_core.errors import FixedField, NotFoundError
from layers.disaster.schemas import ShelterUpdate

SHELTER_STATUS_CHANNEL = "citygis_shelter_status"
STATUS_COLUMNS = ("id", "name", "status", "occupancy", "capacity", "accessibility",
                  "status_updated_at", "updated_by")


class ShelterNotFound(FixedField, NotFoundError):
    field_name = "shelterId"


class StatusConflict(FixedField):
    """The requested status contradicts the occupancy and capacity (see the policy)."""

    field_name = "status"


def resolve_status(current: str, requested: str | None, occupancy: int,
                   capacity: int | None) -> str:
    """The status after an update, by the policy above."""
    if capacity is None:
        return requested or current
    reached = occupancy >= capacity
    if requested == "open" and reached:
        raise StatusConflict(f"occupancy {occupancy} reaches the capacity {capacity}: "
                                       "the shelter is full")
    if requested == "full" and not reached:
        raise StatusConflict(f"occupancy {occupancy} is below the capacity {capacity}: "
                                       "report the occupancy to mark the shelter full")
    status = requested or current
    if status == "closed":
        return status
    return "full" if reached else "open"


async def update_shelter(conn: asyncpg.Connection, shelter_id: int, change: ShelterUpdate,
                         officer: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply ``change`` (in the caller's transaction); returns (before, after)."""
    row = await conn.fetchrow(
        f"SELECT {', '.join(STATUS_COLUMNS)} FROM shelter WHERE id = $1 FOR UPDATE", shelter_id)
    if row is None:
        raise ShelterNotFound(f"no shelter {shelter_id}")
    before = dict(row)
    occupancy = before["occupancy"] if change.occupancy is None else change.occupancy
    status = resolve_status(before["status"], change.status, occupancy, before["capacity"])
    after = await conn.fetchrow(
        f"""
        UPDATE shelter SET status = $2, occupancy = $3,
               accessibility = COALESCE($4, accessibility), status_updated_at = now(),
               updated_by = $5
        WHERE id = $1 RETURNING {', '.join(STATUS_COLUMNS)}
        """, shelter_id, status, occupancy, change.accessibility, officer)
    return before, dict(after)


async def shelter_statuses(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(f"SELECT {', '.join(STATUS_COLUMNS)} FROM shelter ORDER BY id")
    return [dict(row) for row in rows]
