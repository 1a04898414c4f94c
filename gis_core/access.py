"""Roles and the rule that decides who may read or edit a layer."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Roles of the platform. Anonymous callers hold only ``PUBLIC``."""

    PUBLIC = "public"
    CITIZEN = "citizen"
    PLANNER = "planner"
    DISASTER_OFFICER = "disaster_officer"
    NETWORK_STAFF = "network_staff"
    CASEWORKER = "caseworker"
    FACILITY_STAFF = "facility_staff"  # 施設管理: rooms, lottery rounds, suspensions
    ADMIN = "admin"


ANONYMOUS: frozenset[Role] = frozenset({Role.PUBLIC})
EVERYONE: frozenset[Role] = frozenset({Role.PUBLIC})
STAFF: frozenset[Role] = frozenset(
    {Role.PLANNER, Role.DISASTER_OFFICER, Role.NETWORK_STAFF, Role.CASEWORKER,
     Role.FACILITY_STAFF}
)


def may(allowed: frozenset[Role], held: frozenset[Role]) -> bool:
    """True when any held role is allowed; public access and admins always pass."""
    return Role.PUBLIC in allowed or Role.ADMIN in held or bool(allowed & held)
