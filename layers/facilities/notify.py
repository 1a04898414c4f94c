"""Notifications by email (お知らせメール), through an outbox.

A change and its notification are written in one transaction (``enqueue_*``), so a committed
change always has its message and a rolled-back one never does; ``dedupe_key`` keeps an event
from being queued twice. ``drain`` sends after commit: it takes one message at a time under
``FOR UPDATE SKIP LOCKED`` (two drainers never send the same message), sends it and marks it
sent in the same transaction. A message is sent twice only if the process dies between the SMTP
server accepting it and that commit; its Message-ID is stable, so mail clients drop the copy.
Failures are retried with a growing delay.

Messages are rendered from the stored payload when sent: Japanese text, UTF-8, base64 body and
RFC 2047 subject.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import asyncpg
import orjson

from gis_core.events import Listener
from gis_core.settings import Settings
from layers.facilities.rooms import JAPAN

log = logging.getLogger(__name__)
OUTBOX_CHANNEL = "notification_outbox"  # NOTIFYed by the outbox's trigger (migration 0015)
MAX_ATTEMPTS = 8
SIGNATURE = "\n\n東大和市 施設予約システム\n（このメールは送信専用です。返信はできません）\n"
WEEKDAYS_JA = "月火水木金土日"

BOOKING_PAYLOAD = """jsonb_build_object(
    'name', u.display_name, 'booking_id', b.id, 'facility', f.name, 'room', r.name,
    'start', lower(b.period), 'end', upper(b.period), 'confirm_by', b.confirm_by)"""

ENQUEUE_BOOKINGS_SQL = f"""
INSERT INTO notification_outbox (user_id, to_address, kind, payload, dedupe_key)
SELECT b.user_id, u.email, $2, {BOOKING_PAYLOAD} || $4::jsonb, $3 || ':' || b.id
FROM booking b JOIN app_user u ON u.id = b.user_id
JOIN room r ON r.id = b.room_id JOIN facility f ON f.id = r.facility_id
WHERE b.id = ANY($1::bigint[]) AND u.email IS NOT NULL
ON CONFLICT (dedupe_key) DO NOTHING
"""


async def enqueue_bookings(conn: asyncpg.Connection, booking_ids: list[int], kind: str,
                           key: str | None = None, extra: dict[str, Any] | None = None) -> None:
    """One message per booking to its holder; ``key`` (default ``kind``) + booking id dedupes."""
    await conn.execute(ENQUEUE_BOOKINGS_SQL, booking_ids, kind, key or kind,
                       orjson.dumps(extra or {}).decode())


ANNOUNCE_WON_SQL = f"""
INSERT INTO notification_outbox (user_id, to_address, kind, payload, dedupe_key)
SELECT e.user_id, u.email, 'won', {BOOKING_PAYLOAD} || jsonb_build_object(
           'month', $2::text, 'entry', e.public_id, 'rank', res.rank), 'lottery:' || e.id
FROM lottery_result res JOIN lottery_entry e ON e.id = res.entry_id
JOIN booking b ON b.id = res.booking_id JOIN app_user u ON u.id = e.user_id
JOIN room r ON r.id = b.room_id JOIN facility f ON f.id = r.facility_id
WHERE res.round_id = $1 AND u.email IS NOT NULL
ON CONFLICT (dedupe_key) DO NOTHING
"""

ANNOUNCE_LOST_SQL = """
INSERT INTO notification_outbox (user_id, to_address, kind, payload, dedupe_key)
SELECT e.user_id, u.email, 'lost', jsonb_build_object(
           'name', u.display_name, 'month', $2::text, 'entry', e.public_id), 'lottery:' || e.id
FROM lottery_entry e JOIN app_user u ON u.id = e.user_id
WHERE e.round_id = $1 AND u.email IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM lottery_result res WHERE res.entry_id = e.id)
ON CONFLICT (dedupe_key) DO NOTHING
"""


async def announce_lottery_results(conn: asyncpg.Connection) -> int:
    """Queue the won/lost messages of every drawn round not yet announced, one round per
    transaction; the number of rounds. The draw's commit is what makes a round due, so no
    result goes untold, and the dedupe keys keep a repeated announcement from doubling any."""
    announced = 0
    while True:
        async with conn.transaction():
            row = await conn.fetchrow(
                "SELECT id, to_char(month, 'YYYY-MM') AS month FROM lottery_round "
                "WHERE status = 'drawn' AND results_announced_at IS NULL "
                "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")
            if row is None:
                return announced
            await conn.execute(ANNOUNCE_WON_SQL, row["id"], row["month"])
            await conn.execute(ANNOUNCE_LOST_SQL, row["id"], row["month"])
            await conn.execute("UPDATE lottery_round SET results_announced_at = now() "
                               "WHERE id = $1", row["id"])
            announced += 1


async def enqueue(conn: asyncpg.Connection, user_id: int, kind: str, payload: dict[str, Any],
                  dedupe_key: str) -> None:
    await conn.execute(
        "INSERT INTO notification_outbox (user_id, to_address, kind, payload, dedupe_key) "
        "SELECT u.id, u.email, $2, jsonb_build_object('name', u.display_name) || $3::jsonb, $4 "
        "FROM app_user u WHERE u.id = $1 AND u.email IS NOT NULL "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        user_id, kind, orjson.dumps(payload).decode(), dedupe_key)


# --- Japanese text -------------------------------------------------------------------------------

def when_ja(start_text: str, end_text: str | None = None) -> str:
    """「2027年1月12日（火）9:00〜12:00」"""
    start = datetime.fromisoformat(start_text).astimezone(JAPAN)
    text = (f"{start.year}年{start.month}月{start.day}日（{WEEKDAYS_JA[start.weekday()]}）"
            f"{start.hour}:{start.minute:02d}")
    if end_text:
        end = datetime.fromisoformat(end_text).astimezone(JAPAN)
        text += f"〜{end.hour}:{end.minute:02d}"
    return text


def month_ja(month_text: str) -> str:
    year, month = month_text.split("-")[:2]
    return f"{int(year)}年{int(month)}月"


def _booking_lines(p: dict[str, Any]) -> str:
    return (f"施設：{p['facility']}\n部屋：{p['room']}\n日時：{when_ja(p['start'], p['end'])}\n"
            f"予約番号：{p['booking_id']}")


def _booked(p: dict[str, Any]) -> tuple[str, str]:
    return "施設予約を受け付けました", f"次のとおり予約を受け付けました。\n\n{_booking_lines(p)}"


def _changed(p: dict[str, Any]) -> tuple[str, str]:
    return "施設予約を変更しました", f"予約を次のとおり変更しました。\n\n{_booking_lines(p)}"


def _cancelled(p: dict[str, Any]) -> tuple[str, str]:
    return "施設予約を取り消しました", f"次の予約を取り消しました。\n\n{_booking_lines(p)}"


def _promoted(p: dict[str, Any]) -> tuple[str, str]:
    return ("キャンセル待ちの予約が確定しました",
            "空きが出たため、キャンセル待ちをしていた次の予約が確定しました。\n\n"
            f"{_booking_lines(p)}\n\nご都合が悪い場合は「マイ予約」から取り消してください。")


def _applied(p: dict[str, Any]) -> tuple[str, str]:
    return (f"{month_ja(p['month'])}分 抽選の申込みを受け付けました",
            f"{month_ja(p['month'])}分の施設抽選への申込みを受け付けました。\n\n"
            f"申込番号：{p['entry']}\n希望数：{p['choices']}件\n"
            f"抽選結果は申込期間の終了後にメールでお知らせします。")


def _won(p: dict[str, Any]) -> tuple[str, str]:
    return (f"{month_ja(p['month'])}分 抽選結果のお知らせ（当選）",
            f"{month_ja(p['month'])}分の施設抽選に当選しました（申込番号：{p['entry']}、"
            f"第{p['rank']}希望）。\n\n{_booking_lines(p)}\n\n"
            f"{when_ja(p['confirm_by'])}までに「マイ予約」から利用を確定してください。"
            "期限までに確定がない場合、当選は無効となり、枠は先着順の予約に開放されます。")


def _lost(p: dict[str, Any]) -> tuple[str, str]:
    return (f"{month_ja(p['month'])}分 抽選結果のお知らせ（落選）",
            f"{month_ja(p['month'])}分の施設抽選は、残念ながら落選となりました"
            f"（申込番号：{p['entry']}）。\n\n空いている枠は先着順で予約できます。"
            "落選が続いた世帯は、次回以降の抽選で当選しやすくなります。")


def _reminder(p: dict[str, Any]) -> tuple[str, str]:
    return ("当選した予約の確定期限が近づいています",
            f"抽選で当選した次の予約が、まだ確定されていません。\n\n{_booking_lines(p)}\n\n"
            f"確定期限：{when_ja(p['confirm_by'])}\n期限を過ぎると当選は無効になります。")


def _lapsed(p: dict[str, Any]) -> tuple[str, str]:
    return ("確定期限を過ぎたため当選が無効になりました",
            f"確定期限（{when_ja(p['confirm_by'])}）までに確定がなかったため、次の当選は"
            f"無効となりました。\n\n{_booking_lines(p)}")


def _suspended(p: dict[str, Any]) -> tuple[str, str]:
    return ("施設の利用停止による予約取消しのお知らせ",
            f"{p.get('reason', '施設の臨時利用')}のため、施設の利用を停止します。"
            f"誠に申し訳ありませんが、次の予約は取り消されました。\n\n{_booking_lines(p)}")


TEMPLATES: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "booked": _booked, "changed": _changed, "cancelled": _cancelled, "promoted": _promoted,
    "applied": _applied, "won": _won, "lost": _lost, "confirm_reminder": _reminder,
    "lapsed": _lapsed, "suspended": _suspended,
}


def render(kind: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of a notification."""
    subject, text = TEMPLATES[kind](payload)
    return f"【東大和市】{subject}", f"{payload.get('name', '')} 様\n\n{text}{SIGNATURE}"


def compose(settings: Settings, row: asyncpg.Record) -> EmailMessage:
    subject, body = render(row["kind"], orjson.loads(row["payload"]))
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = row["to_address"]
    message["Date"] = formatdate(localtime=False)
    domain = settings.smtp_from.rpartition("@")[2].rstrip(">") or "citygis.invalid"
    message["Message-ID"] = f"<outbox-{row['id']}@{domain}>"
    message.set_content(body, charset="utf-8", cte="base64")
    return message


# --- sending -------------------------------------------------------------------------------------

class SmtpSender:
    """One SMTP connection, opened when first needed and reused (runs in a worker thread)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(message)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        assert s.smtp_host is not None
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s,
                            local_hostname="citygis")
        if s.smtp_starttls:
            smtp.starttls()
        if s.smtp_username:
            smtp.login(s.smtp_username, s.smtp_password or "")
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


NEXT_SQL = """
SELECT id, to_address, kind, payload::text AS payload FROM notification_outbox
WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
"""
FAILED_SQL = """
UPDATE notification_outbox SET attempts = attempts + 1, last_error = $2,
    next_attempt_at = CASE WHEN attempts + 1 >= $3 THEN 'infinity'
                           ELSE now() + make_interval(mins => power(2, attempts)::int) END
WHERE id = $1
"""


async def drain(conn: asyncpg.Connection, settings: Settings, limit: int = 1000) -> int:
    """Send what is waiting (up to ``limit`` messages); the number sent. Stops at the first
    failure that is the server's rather than the message's. Lottery results drawn since the
    last drain are queued first."""
    await announce_lottery_results(conn)
    if not settings.smtp_host:
        return 0
    sender, sent = SmtpSender(settings), 0
    try:
        for _ in range(limit):
            outcome = await _send_next(conn, settings, sender)
            if outcome == "none" or outcome == "server-down":
                break
            sent += outcome == "sent"
    finally:
        await asyncio.to_thread(sender.close)
    return sent


async def _send_next(conn: asyncpg.Connection, settings: Settings, sender: SmtpSender) -> str:
    async with conn.transaction():
        row = await conn.fetchrow(NEXT_SQL)
        if row is None:
            return "none"
        try:
            message = compose(settings, row)
        except (KeyError, ValueError) as exc:  # never sendable: set aside, keep the rest moving
            log.error("notification %s cannot be rendered: %r", row["id"], exc)
            await conn.execute(FAILED_SQL, row["id"], f"cannot render: {exc!r}", 0)
            return "failed"
        try:
            await asyncio.to_thread(sender.send, message)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("notification %s not sent: %s", row["id"], exc)
            await conn.execute(FAILED_SQL, row["id"], str(exc)[:500], MAX_ATTEMPTS)
            refused = isinstance(exc, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError)
            if not refused:
                await asyncio.to_thread(sender.close)
            return "failed" if refused else "server-down"
        await conn.execute("UPDATE notification_outbox SET sent_at = now(), "
                           "attempts = attempts + 1 WHERE id = $1", row["id"])
        return "sent"


class Notifier:
    """Drains the outbox in the background of a server: as soon as a transaction that queued
    messages commits (the outbox's trigger NOTIFYs ``OUTBOX_CHANNEL``), and whenever
    housekeeping kicks it for the retries."""

    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.pool, self.settings = pool, settings
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: Listener | None = None

    def kick(self, _payload: str | None = None) -> None:
        """Send what waits: called on every commit that queued messages, and (with None)
        after the listening connection came back, when such commits may have been missed."""
        self._wanted.set()

    async def start(self, listener: Listener) -> None:
        self._listener = listener
        await listener.subscribe(OUTBOX_CHANNEL, self.kick)
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.kick()  # whatever waited while the server was down

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.unsubscribe(OUTBOX_CHANNEL, self.kick)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            try:
                async with self.pool.acquire() as conn:
                    await drain(conn, self.settings)
            except Exception:  # the sender must outlive any one failure
                log.exception("draining the outbox failed")

