"""Notifications over a real SMTP server on loopback (aiosmtpd): Japanese subjects and bodies
correctly encoded, queued in the transaction of the change (none for a change that rolled back),
kept while the server is down and sent once when it is back, never twice by concurrent
senders, and sendable from the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import URL

from gis_core.errors import ConflictError
from layers.facilities import booking, notify
from layers.facilities.schemas import BookingIn
from tests.conftest import LiveServer
from tests.facilities.conftest import DB, booking_settings, outbox_of
from tests.facilities.helpers import (
    Mailbox,
    booking_body,
    make_person,
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


def test_a_change_that_rolls_back_queues_nothing(db: DB, slots: list) -> None:
    first, second = (db(lambda conn, n=n: make_person(conn, f"rollback-{n}")) for n in range(2))
    room_id, slot = slots[2]
    request = BookingIn(room_id=room_id, start=slot.start, end=slot.end)
    db(lambda conn: booking.book(conn, first.user_id, request))
    with pytest.raises(ConflictError):
        db(lambda conn: booking.book(conn, second.user_id, request))
    assert [r["kind"] for r in outbox_of(db, first.user_id)] == ["booked"]
    assert outbox_of(db, second.user_id) == []


def test_the_server_drains_what_waited_while_it_was_down(fresh_module_db: URL, db: DB,
                                                         mail: tuple[Mailbox, int]) -> None:
    person = db(lambda conn: make_person(conn, "while-down"))
    db(lambda conn: notify.enqueue(conn, person.user_id, "lost",
                                   {"month": "2027-03", "entry": "E0000000001"}, "down-1"))
    with LiveServer(fresh_module_db, booking_settings(mail[1])):
        assert len(mail[0].wait_for(person.email)) == 1
    assert timedelta(0) <= datetime.now(UTC) - outbox_of(db, person.user_id)[0]["sent_at"]
