"""What the facilities tests share: a real SMTP server on loopback (aiosmtpd) that keeps what
it receives, accounts with tokens, and finding bookable slots in the sample rooms."""

from __future__ import annotations

import email
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import default as default_policy

import asyncpg
import httpx
from aiosmtpd.controller import Controller

from api.auth import service
from gis_core.access import Role
from layers.facilities.households import household_key
from layers.facilities.rooms import JAPAN, Room, Slot, load_room

PASSWORD = "correct horse battery"
_HASH = service.HASHER.hash(PASSWORD)


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=default_policy)  # type: ignore[return-value]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping every message it accepts."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, _server: object, _session: object, envelope: object) -> str:
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                          bytes(envelope.original_content or envelope.content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.received if address in m.recipients]

    def wait_for(self, address: str, count: int = 1, timeout: float = 15) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{address} got {len(self.to(address))} message(s), not {count}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Person:
    user_id: int
    username: str
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, base_url: str) -> httpx.Client:
        return httpx.Client(base_url=base_url, headers=self.headers, timeout=60)


async def make_person(conn: asyncpg.Connection, username: str,
                      roles: tuple[Role, ...] = (Role.CITIZEN,), address: str | None = None,
                      verified: bool = False, display_name: str | None = None) -> Person:
    """An account (password hashed once for all), a token, and optionally an address."""
    address_text = f"{username}@example.jp"
    user_id = await conn.fetchval(
        "INSERT INTO app_user (username, display_name, email, password_hash) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        username, display_name or f"市民 {username}", address_text, _HASH)
    await service.set_roles(conn, user_id, set(roles))
    if address is not None:
        await conn.execute(
            "INSERT INTO citizen_profile (user_id, address, household_key, verified) "
            "VALUES ($1, $2, $3, $4)", user_id, address, household_key(address), verified)
    token = await service.create_token(conn, user_id, "test")
    return Person(user_id, username, address_text, token)


async def room_ids(conn: asyncpg.Connection, *, lottery: bool = False,
                   kind: str | None = None) -> list[int]:
    return [r["id"] for r in await conn.fetch(
        "SELECT id FROM room WHERE active AND lottery = $1 AND ($2::text IS NULL OR kind = $2) "
        "ORDER BY id", lottery, kind)]


async def slots_of(conn: asyncpg.Connection, room_id: int, first: date,
                   days: int = 40) -> tuple[Room, list[Slot]]:
    room = await load_room(conn, room_id)
    found = [s for n in range(days) for s in room.slots(first + timedelta(days=n))]
    return room, found


def days_ahead(n: int) -> date:
    return datetime.now(JAPAN).date() + timedelta(days=n)


def booking_body(room_id: int, slot: Slot, **extra: object) -> dict[str, object]:
    return {"room_id": room_id, "start": slot.start.isoformat(), "end": slot.end.isoformat(),
            **extra}


def assert_problem(response: httpx.Response, status: int, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    if parameter is not None:
        assert body["invalid-params"][0]["name"] == parameter, body
    return body


