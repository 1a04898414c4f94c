"""``citygis lottery verify|lapse`` and ``citygis notify drain``.

``citygis lottery verify ROUND`` recomputes a drawn round from its published record — the
anonymous entries with their choices and prior losses, the revealed seed — and compares the
winners with those stored: exit 0 when everything checks out, 1 when anything differs (each
difference is printed). With ``--url`` it reads the record from a server's public API instead of
the database, so anyone can check a draw without access to the city's systems.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from gis_core.database import connect, database_url
from gis_core.errors import DomainError
from gis_core.settings import get_settings
from layers.facilities import draw, lottery_draw, notify
from layers.facilities.service import housekeeping

T = TypeVar("T")


def _with_conn(action: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async def go() -> T:
        conn = await connect(database_url())
        try:
            return await action(conn)
        finally:
            await conn.close()
    return asyncio.run(go())


def _record(args: argparse.Namespace) -> dict[str, Any]:
    if args.url:
        url = f"{args.url.rstrip('/')}/lottery/rounds/{args.round}/results"
        with urllib.request.urlopen(url, timeout=60) as response:
            return json.load(response)
    return _with_conn(lambda conn: lottery_draw.published(conn, args.round))


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        document = _record(args)
    except DomainError as exc:
        print(f"citygis lottery verify: {exc.message}", file=sys.stderr)
        return 2
    problems = draw.verify(document)
    head = document["round"]
    print(f"round {head['id']} ({head['month']}): {len(document['entries'])} entries, "
          f"{len(document['slots'])} slots, {len(document['results'])} winners")
    if problems:
        print("NOT VERIFIED:", *problems, sep="\n  ")
        return 1
    print("verified: SHA-256(seed) is the published commitment, the entries match their "
          "digest, and the draw gives exactly the published winners")
    return 0


def cmd_lapse(_args: argparse.Namespace) -> int:
    _with_conn(lambda conn: housekeeping(conn))
    print("lapsed unconfirmed wins and queued confirm-by reminders")
    return 0


def cmd_drain(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.smtp_host:
        print("CITYGIS_SMTP_HOST is not set: nothing can be sent", file=sys.stderr)
        return 1

    async def go(conn: asyncpg.Connection) -> tuple[int, int]:
        sent = await notify.drain(conn, settings, args.limit)
        left = await conn.fetchval("SELECT count(*) FROM notification_outbox "
                                   "WHERE sent_at IS NULL")
        return sent, left

    sent, left = _with_conn(go)
    print(f"sent {sent} notification(s); {left} still waiting")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    lottery = sub.add_parser("lottery", help="the monthly facility lottery")
    actions = lottery.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="re-run a drawn round and compare (exit 0/1)")
    verify.add_argument("round", type=int, metavar="ROUND")
    verify.add_argument("--url", help="read the public record from this server instead")
    verify.set_defaults(run=cmd_verify, needs_database=lambda args: not args.url)
    actions.add_parser("lapse", help="lapse wins not confirmed in time, queue reminders"
                       ).set_defaults(run=cmd_lapse)
    notify_parser = sub.add_parser("notify", help="notifications (email outbox)")
    notify_actions = notify_parser.add_subparsers(dest="action", required=True)
    drain = notify_actions.add_parser("drain", help="send the notifications waiting to be sent")
    drain.add_argument("--limit", type=int, default=10_000)
    drain.set_defaults(run=cmd_drain)

