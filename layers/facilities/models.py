"""Tables of the facilities domain. The migrations (0003, 0008) are the source of truth,
constraints included; these declarations name the columns for loaders and readers."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    Table,
    Text,
    Time,
)
from sqlalchemy.dialects.postgresql import TSTZRANGE

from gis_core.models import geometry_columns, metadata

facility = Table(
    "facility", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("name_kana", Text),
    Column("kind", Text, nullable=False),
    Column("category_ja", Text, nullable=False),
    Column("address", Text),
    Column("source_code", Text),
    Column("is_sample", Boolean, nullable=False),
    *geometry_columns("POINT"),
)

room = Table(
    "room", metadata,
    Column("id", Integer, primary_key=True),
    Column("facility_id", Integer, ForeignKey("facility.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("equipment", ARRAY(Text), nullable=False),
    Column("fee_yen", Integer, nullable=False),
    Column("closed_on_holidays", Boolean, nullable=False),
    Column("lottery", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("is_sample", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

room_unit = Table(
    "room_unit", metadata,
    Column("room_id", Integer, ForeignKey("room.id"), primary_key=True),
    Column("label", Text, nullable=False),
    Column("starts", Time, primary_key=True),
    Column("ends", Time, nullable=False),
)

room_hours = Table(
    "room_hours", metadata,
    Column("room_id", Integer, ForeignKey("room.id"), primary_key=True),
    Column("weekday", SmallInteger, primary_key=True),  # ISO 8601: 1 = Monday
    Column("opens", Time, nullable=False),
    Column("closes", Time, nullable=False),
)

booking = Table(
    "booking", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("room_id", Integer, ForeignKey("room.id"), nullable=False),
    Column("user_id", Integer),
    Column("period", TSTZRANGE, nullable=False),
    Column("status", Text, nullable=False),  # confirmed, won, blocked | cancelled, lapsed, …
    Column("source", Text, nullable=False),  # first_come, waitlist, lottery, suspension
    Column("party_size", Integer, nullable=False),
    Column("purpose", Text),
    Column("confirm_by", DateTime(timezone=True)),
    Column("lottery_entry_id", Integer),
    Column("suspension_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True)),
)
