"""Inputs of the disaster domain."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ShelterStatus = Literal["open", "full", "closed"]
Accessibility = Literal["step_free", "partial", "none", "unknown"]


class ShelterUpdate(BaseModel):
    """What a disaster officer changes on a shelter; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    status: ShelterStatus | None = Field(
        default=None, description="open (開設), full (満員) or closed (閉鎖)")
    occupancy: int | None = Field(default=None, ge=0, le=1_000_000,
                                  description="people in the shelter now (避難者数)")
    accessibility: Accessibility | None = Field(
        default=None, description="step_free (段差なし), partial, none or unknown")
