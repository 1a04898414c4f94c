"""Notifications over a real SMTP server on loopback (aiosmtpd): Japanese subjects and bodies
correctly encoded, queued in the transaction of the change (none for a change that rolled back),
kept while the server is down and sent once when it is back, never twice by concurrent
senders, and sendable from the command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy.engine import URL

from gis_core.database import connect_kwargs
from gis_core.errors import ConflictError
from gis_core.settings import PROJECT_ROOT
from layers.facilities import booking, lottery, notify
from layers.facilities.schemas import BookingIn
from tests.conftest import LiveServer
from tests.facilities.conftest import DB, booking_settings
from tests.facilities.helpers import (
    Mailbox,
    booking_body,
    days_ahead,
    free_port,
    make_person,
    room_ids,
    slots_of,
)

SAMPLE = {"name": "東大和 花子", "booking_id": 12, "facility": "中央公民館", "room": "集会室A",
          "start": "2027-01-12T09:00:00+09:00", "end": "2027-01-12T12:00:00+09:00",
          "confirm_by": "2026-12-20T17:00:00+09:00", "month": "2027-01", "entry": "E0123456789",
          "choices": 2, "rank": 1, "reason": "避難所の開設"}


def test_every_kind_reads_in_japanese() -> None:
    for kind in notify.TEMPLATES:
        subject, body = notify.render(kind, SAMPLE)
        assert subject.startswith("【東大和市】"), kind
        assert body.startswith("東大和 花子 様") and "東大和市 施設予約システム" in body, kind
    assert "2027年1月12日（火）9:00〜12:00" in notify.render("booked", SAMPLE)[1]
    assert notify.render("won", SAMPLE)[0] == "【東大和市】2027年1月分 抽選結果のお知らせ（当選）"


@pytest.fixture(scope="module")
def slots(db: DB) -> list:
    room_id = db(lambda conn: room_ids(conn, kind="meeting_room"))[2]
    return [(room_id, s) for s in db(lambda conn: slots_of(conn, room_id, days_ahead(3)))[1]]


def test_a_booking_and_its_cancellation_arrive_encoded(live: LiveServer, db: DB, slots: list,
                                                      mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "mail-reader", display_name="東大和 花子"))
    room_id, slot = slots[0]
    with person.client(live.url) as client:
        made = client.post("/bookings", json=booking_body(room_id, slot)).json()
        booked = mail[0].wait_for(person.email)[0]
        client.post(f"/bookings/{made['id']}/cancel")
    cancelled = mail[0].wait_for(person.email, 2)[1]
    raw_head = booked.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are 7-bit clean
    assert "Subject: =?utf-8?b?" in raw_head and "Content-Transfer-Encoding: base64" in raw_head
    assert 'charset="utf-8"' in raw_head
    outbox_id = db(lambda conn: conn.fetchval(
        "SELECT id FROM notification_outbox WHERE payload->>'booking_id' = $1 AND kind = 'booked'",
        str(made["id"])))
    assert booked.message["Message-ID"] == f"<outbox-{outbox_id}@city.higashiyamato.example>"
    assert booked.message["From"].addresses[0].display_name == "東大和市 施設予約"
    assert booked.subject == "【東大和市】施設予約を受け付けました"
    assert booked.body.startswith("東大和 花子 様") and f"予約番号：{made['id']}" in booked.body
    assert f"{slot.start.month}月{slot.start.day}日" in booked.body
    assert cancelled.subject == "【東大和市】施設予約を取り消しました"


def outbox_of(db: DB, user_id: int) -> list[asyncpg.Record]:
    return db(lambda conn: conn.fetch(
        "SELECT id, kind, attempts, sent_at, last_error, next_attempt_at FROM "
        "notification_outbox WHERE user_id = $1 ORDER BY id", user_id))


def test_a_change_that_rolls_back_queues_nothing(db: DB, slots: list) -> None:
    first, second = (db(lambda conn, n=n: make_person(conn, f"rollback-{n}")) for n in range(2))
    room_id, slot = slots[2]
    request = BookingIn(room_id=room_id, start=slot.start, end=slot.end)
    db(lambda conn: booking.book(conn, first.user_id, request))
    with pytest.raises(ConflictError):
        db(lambda conn: booking.book(conn, second.user_id, request))
    assert [r["kind"] for r in outbox_of(db, first.user_id)] == ["booked"]
    assert outbox_of(db, second.user_id) == []


def drain(url: URL, port: int) -> int:
    async def go() -> int:
        conn = await asyncpg.connect(**connect_kwargs(url))
        try:
            return await notify.drain(conn, booking_settings(port))
        finally:
            await conn.close()
    return asyncio.run(go())


def test_a_down_server_loses_nothing_and_each_message_goes_once(
        db: DB, slots: list, fresh_module_db: URL, mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "patient"))
    room_id, slot = slots[4]
    drain(fresh_module_db, mail[1])  # what earlier tests left, so ours is next in line
    db(lambda conn: booking.book(conn, person.user_id,
                                 BookingIn(room_id=room_id, start=slot.start, end=slot.end)))
    assert drain(fresh_module_db, free_port()) == 0  # nobody listens there
    (waiting,) = outbox_of(db, person.user_id)
    assert waiting["sent_at"] is None and waiting["attempts"] == 1 and waiting["last_error"]
    assert waiting["next_attempt_at"] > datetime.now(UTC)
    db(lambda conn: conn.execute("UPDATE notification_outbox SET next_attempt_at = now() "
                                 "WHERE id = $1", waiting["id"]))
    assert drain(fresh_module_db, mail[1]) >= 1
    assert drain(fresh_module_db, mail[1]) == 0
    (sent,) = outbox_of(db, person.user_id)
    assert sent["sent_at"] is not None and sent["attempts"] == 2
    assert len(mail[0].wait_for(person.email)) == 1


def test_concurrent_senders_never_send_a_message_twice(db: DB, fresh_module_db: URL,
                                                       mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "many-letters"))

    async def queue(conn: asyncpg.Connection) -> None:
        for n in range(30):
            await notify.enqueue(conn, person.user_id, "lost",
                                 {"month": "2027-02", "entry": f"E{n:010d}"}, f"test-{n}")
    db(queue)

    async def senders() -> list[int]:
        async def one() -> int:
            conn = await asyncpg.connect(**connect_kwargs(fresh_module_db))
            try:
                return await notify.drain(conn, booking_settings(mail[1]))
            finally:
                await conn.close()
        return list(await asyncio.gather(*(one() for _ in range(4))))

    assert sum(asyncio.run(senders())) == 30
    received = mail[0].wait_for(person.email, 30)
    assert len(received) == 30
    assert len({m.message["Message-ID"] for m in received}) == 30


def test_reminders_are_queued_once_and_drained_by_the_cli(db: DB, fresh_module_db: URL,
                                                          slots: list,
                                                          mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "forgetful"))
    room_id, slot = slots[6]

    async def win(conn: asyncpg.Connection) -> None:
        await conn.execute(
            "INSERT INTO booking (room_id, user_id, period, status, source, confirm_by) VALUES "
            "($1, $2, tstzrange($3, $4), 'won', 'lottery', now() + interval '20 hours')",
            room_id, person.user_id, slot.start, slot.end)
        await lottery.send_reminders(conn)
        await lottery.send_reminders(conn)
    db(win)
    assert [r["kind"] for r in outbox_of(db, person.user_id)] == ["confirm_reminder"]
    env = {**os.environ, "DATABASE_URL": fresh_module_db.render_as_string(hide_password=False),
           "CITYGIS_SMTP_HOST": "127.0.0.1", "CITYGIS_SMTP_PORT": str(mail[1])}
    done = subprocess.run([sys.executable, "-m", "cli.main", "notify", "drain"], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "0 still waiting" in done.stdout, done.stdout + done.stderr
    reminder = mail[0].wait_for(person.email)[0]
    assert reminder.subject == "【東大和市】当選した予約の確定期限が近づいています"
    assert "確定期限：" in reminder.body


def test_the_server_drains_what_waited_while_it_was_down(fresh_module_db: URL, db: DB,
                                                         mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "while-down"))
    db(lambda conn: notify.enqueue(conn, person.user_id, "lost",
                                   {"month": "2027-03", "entry": "E0000000001"}, "down-1"))
    with LiveServer(fresh_module_db, booking_settings(mail[1])):
        assert len(mail[0].wait_for(person.email)) == 1
    assert timedelta(0) <= datetime.now(UTC) - outbox_of(db, person.user_id)[0]["sent_at"]


def test_a_message_that_cannot_be_rendered_does_not_hold_up_the_rest(
        db: DB, fresh_module_db: URL, mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "after-poison"))
    drain(fresh_module_db, mail[1])

    async def queue(conn: asyncpg.Connection) -> None:
        await notify.enqueue(conn, person.user_id, "mystery", {}, "poison-1")
        await notify.enqueue(conn, person.user_id, "lost",
                             {"month": "2027-04", "entry": "E0000000002"}, "after-poison-1")
    db(queue)
    assert drain(fresh_module_db, mail[1]) == 1
    assert len(mail[0].wait_for(person.email)) == 1
    poison = next(r for r in outbox_of(db, person.user_id) if r["kind"] == "mystery")
    assert poison["sent_at"] is None and "cannot render" in poison["last_error"]
    assert poison["next_attempt_at"].year > 9000  # 'infinity': set aside for good
