"""Inputs of the facilities domain (pydantic). Times must carry their offset: a naive or
malformed time is refused, naming the field (the API speaks ISO 8601, Japan time)."""

from __future__ import annotations

import re
from datetime import date, time

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

INT4 = 2**31 - 1
HEX64 = r"^[0-9a-f]{64}$"


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BookingIn(Input):
    """A first-come booking, or a place on the waiting list, of one or more consecutive units."""

    room_id: int = Field(ge=1, le=INT4)
    start: AwareDatetime
    end: AwareDatetime
    party_size: int = Field(default=1, ge=1, le=10_000, description="人数")
    purpose: str | None = Field(default=None, max_length=200, description="利用目的")


class BookingChange(Input):
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    party_size: int | None = Field(default=None, ge=1, le=10_000)


class ProfileIn(Input):
    """The citizen's address (住所); staff verify it (本人確認) before lottery entries."""

    address: str = Field(min_length=1, max_length=300)


class RoundIn(Input):
    """A lottery round for one month. Unset times follow the municipal cycle: the month two
    months ahead, applications open now and close on the 10th, winners confirm by the 20th."""

    month: date | None = Field(default=None, description="YYYY-MM (the month allocated)")
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    confirm_by: AwareDatetime | None = None
    max_choices: int = Field(default=3, ge=1, le=10)
    seed_commitment: str | None = Field(
        default=None, pattern=HEX64,
        description="SHA-256 (hex) of a seed you keep offline; unset: the server draws a seed "
                    "and publishes only its hash until the reveal")

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: object) -> object:
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
            return f"{value}-01"
        return value


class EntryIn(Input):
    """Ranked choices (第1希望, 第2希望, …) of lottery slots."""

    choices: list[int] = Field(min_length=1, max_length=10)
    party_size: int = Field(default=1, ge=1, le=10_000)
    purpose: str | None = Field(default=None, max_length=200)


class DrawIn(Input):
    seed: str | None = Field(default=None, pattern=HEX64,
                             description="the seed (hex), when staff kept it offline")


class UnitIn(Input):
    label: str = Field(min_length=1, max_length=30)
    starts: time
    ends: time


class HoursIn(Input):
    weekday: int = Field(ge=1, le=7, description="ISO 8601: 1 = Monday … 7 = Sunday")
    opens: time
    closes: time

    @field_validator("closes")
    @classmethod
    def after_opening(cls, closes: time, info: ValidationInfo) -> time:
        """The table's check (opens < closes), on the wall-clock times it stores: a 500 the
        fuzz found."""
        opens = info.data.get("opens")
        if opens is not None and opens.replace(tzinfo=None) >= closes.replace(tzinfo=None):
            raise ValueError("must be after opens")
        return closes


class RoomIn(Input):
    facility_id: int = Field(ge=1, le=INT4)
    name: str = Field(min_length=1, max_length=100)
    kind: str = Field(pattern=r"^[a-z_]{2,30}$")
    capacity: int = Field(ge=1, le=10_000)
    fee_yen: int = Field(ge=0, le=1_000_000, description="per booking unit")
    equipment: list[str] = Field(default_factory=list, max_length=50)
    closed_on_holidays: bool = False
    lottery: bool = False
    units: list[UnitIn] = Field(min_length=1, max_length=48)
    hours: list[HoursIn] = Field(min_length=1, max_length=7)


class RoomPatch(Input):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    kind: str | None = Field(default=None, pattern=r"^[a-z_]{2,30}$")
    capacity: int | None = Field(default=None, ge=1, le=10_000)
    fee_yen: int | None = Field(default=None, ge=0, le=1_000_000)
    equipment: list[str] | None = Field(default=None, max_length=50)
    closed_on_holidays: bool | None = None
    lottery: bool | None = None
    active: bool | None = None
    units: list[UnitIn] | None = Field(default=None, min_length=1, max_length=48)
    hours: list[HoursIn] | None = Field(default=None, min_length=1, max_length=7)


class ClosureIn(Input):
    day: date
    reason: str = Field(min_length=1, max_length=200)


class SuspensionIn(Input):
    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(default="避難所の開設", min_length=1, max_length=200)
