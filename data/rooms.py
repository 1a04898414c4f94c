"""Sample rooms and courts for the facilities, and rooms that follow their facility across a
reload.

No open data lists the rooms of the city's facilities, so each bookable facility gets rooms
shaped like a Japanese municipal one (公民館: 集会室・和室・ホール; 体育館; 公園のテニスコート;
学校開放の体育館 …), generated with a fixed seed and labelled: 「（サンプル）」 in the name and
``is_sample``. The load only adds rooms to facilities that have none, so it never touches rooms
staff made (or changed) and a second load writes nothing.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, time

import numpy as np
import psycopg

from data.samples import SAMPLE_SUFFIX, SEED
from layers.facilities.rooms import holidays_of

Units = tuple[tuple[str, time, time], ...]
Hours = dict[int, tuple[time, time]]

SESSIONS: Units = (("午前", time(9), time(12)), ("午後", time(13), time(17)),
                   ("夜間", time(18), time(21, 30)))
HOURLY: Units = tuple((f"{h}時", time(h), time(h + 1)) for h in range(9, 21))
COURT: Units = tuple((f"{h}:00〜{h + 2}:00", time(h), time(h + 2)) for h in range(9, 17, 2))
CLOSED_MONDAYS: Hours = {d: (time(9), time(21, 30)) for d in range(2, 8)}
EVERY_DAY: Hours = {d: (time(9), time(21, 30)) for d in range(1, 8)}
DAYLIGHT: Hours = {d: (time(9), time(17)) for d in range(1, 8)}
SCHOOL_OPEN: Hours = {**{d: (time(18), time(21, 30)) for d in range(1, 6)},
                      6: (time(9), time(21, 30)), 7: (time(9), time(21, 30))}


@dataclass(frozen=True)
class RoomSpec:
    name: str
    kind: str
    capacity: int
    fee_yen: int  # per unit
    equipment: tuple[str, ...]
    units: Units
    hours: Hours
    lottery: bool = False
    closed_on_holidays: bool = False


MEETING = ("机", "椅子", "ホワイトボード")
SCHOOL_GYM = RoomSpec("体育館（学校開放）", "gym", 100, 0, ("バレーボール", "バドミントン"),
                      SESSIONS, SCHOOL_OPEN)
ROOMS_BY_KIND: dict[str, tuple[RoomSpec, ...]] = {
    "community_centre": (
        RoomSpec("集会室A", "meeting_room", 30, 800, MEETING, SESSIONS, CLOSED_MONDAYS,
                 closed_on_holidays=True),
        RoomSpec("集会室B", "meeting_room", 18, 600, MEETING, SESSIONS, CLOSED_MONDAYS,
                 closed_on_holidays=True),
        RoomSpec("和室", "japanese_room", 15, 500, ("座卓", "座布団"), SESSIONS, CLOSED_MONDAYS,
                 closed_on_holidays=True),
        RoomSpec("ホール", "hall", 120, 2400, ("舞台", "音響設備", "プロジェクター"), SESSIONS,
                 CLOSED_MONDAYS, lottery=True),
    ),
    "civic_hall": (
        RoomSpec("大ホール", "hall", 600, 30000, ("舞台", "音響設備", "照明設備", "ピアノ"),
                 SESSIONS, CLOSED_MONDAYS, lottery=True),
        RoomSpec("練習室", "studio", 10, 600, ("ピアノ", "防音"), HOURLY, CLOSED_MONDAYS),
        RoomSpec("会議室", "meeting_room", 40, 1200, MEETING, SESSIONS, CLOSED_MONDAYS),
    ),
    "sports_hall": (
        RoomSpec("競技場（全面）", "gym", 200, 4000, ("バスケットボール", "バレーボール",
                                                      "バドミントン"), SESSIONS, EVERY_DAY,
                 lottery=True),
        RoomSpec("卓球室", "gym", 24, 600, ("卓球台6台",), HOURLY, EVERY_DAY),
    ),
    "park": (
        RoomSpec("テニスコート1", "court", 4, 1000, ("ネット",), COURT, DAYLIGHT, lottery=True),
        RoomSpec("テニスコート2", "court", 4, 1000, ("ネット",), COURT, DAYLIGHT, lottery=True),
    ),
    "elementary_school": (SCHOOL_GYM,),
    "junior_high_school": (SCHOOL_GYM,),
    "library": (RoomSpec("集会室", "meeting_room", 40, 0, MEETING, SESSIONS, CLOSED_MONDAYS,
                         closed_on_holidays=True),),
    "welfare_centre": (RoomSpec("会議室", "meeting_room", 24, 0, MEETING, SESSIONS,
                                CLOSED_MONDAYS, closed_on_holidays=True),),
}


def _capacity(spec: RoomSpec, rng: np.random.Generator) -> int:
    """Rooms of one kind differ a little between facilities (courts do not)."""
    if spec.kind == "court":
        return spec.capacity
    return max(2, round(float(spec.capacity * rng.uniform(0.8, 1.2))))


def _insert_room(conn: psycopg.Connection, facility_id: int, spec: RoomSpec,
                 rng: np.random.Generator) -> None:
    room_id = conn.execute(
        "INSERT INTO room (facility_id, name, kind, capacity, fee_yen, equipment, "
        "closed_on_holidays, lottery, is_sample) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, true) RETURNING id",
        (facility_id, f"{spec.name}{SAMPLE_SUFFIX}", spec.kind, _capacity(spec, rng),
         spec.fee_yen, list(spec.equipment), spec.closed_on_holidays, spec.lottery),
    ).fetchone()[0]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO room_unit (room_id, label, starts, ends) "
                        "VALUES (%s, %s, %s, %s)", [(room_id, *u) for u in spec.units])
        cur.executemany("INSERT INTO room_hours (room_id, weekday, opens, closes) "
                        "VALUES (%s, %s, %s, %s)",
                        [(room_id, day, *span) for day, span in spec.hours.items()])


def load_rooms(conn: psycopg.Connection) -> int:
    """Sample rooms for every bookable facility without rooms; how many rooms were added.
    Each facility's rooms come from a generator seeded by its name, so they do not depend on
    the order of the load."""
    bare = conn.execute(
        "SELECT id, name, kind FROM facility f WHERE kind = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM room r WHERE r.facility_id = f.id) ORDER BY id",
        (list(ROOMS_BY_KIND),),
    ).fetchall()
    added = 0
    if not bare:
        return 0
    with conn.transaction():
        for facility_id, name, kind in bare:
            rng = np.random.default_rng([SEED, zlib.crc32(name.encode())])
            for spec in ROOMS_BY_KIND[kind]:
                _insert_room(conn, facility_id, spec, rng)
                added += 1
    return added


def sync_holidays(conn: psycopg.Connection, today: date) -> int:
    """Japanese public holidays from last year to two years ahead into ``public_holiday``
    (the free/busy view reads them); nothing is written when they are there already."""
    wanted = holidays_of(range(today.year - 1, today.year + 3))
    have = dict(conn.execute("SELECT day, name FROM public_holiday").fetchall())
    missing = [(day, name) for day, name in wanted.items() if have.get(day) != name]
    if missing:
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany("INSERT INTO public_holiday (day, name) VALUES (%s, %s) ON CONFLICT "
                            "(day) DO UPDATE SET name = EXCLUDED.name", missing)
    return len(missing)
