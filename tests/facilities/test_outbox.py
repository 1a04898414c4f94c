"""The outbox on its own, with no server draining it: a message waits while the SMTP server is
down and goes exactly once when it is back, concurrent senders never send one twice, reminders
are queued once and the CLI drains them, and a message that cannot be rendered holds up none
of the others. (With a server running, the outbox's trigger makes it
send at once: tests/facilities/test_notifications.py.)"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime

import asyncpg
from sqlalchemy.engine import URL

from gis_core.database import connect_kwargs
from gis_core.settings import PROJECT_ROOT
from layers.facilities import booking, lottery, notify
from layers.facilities.schemas import BookingIn
from tests.facilities.conftest import DB, booking_settings, drain, outbox_of
from tests.facilities.helpers import Mailbox, free_port, make_person


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
