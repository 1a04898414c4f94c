"""``citygis user add|role|token|revoke|list``: accounts from the command line."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg

from api.auth import service
from cli.errors import CliError
from gis_core.access import Role
from gis_core.database import connect, database_url

ASSIGNABLE = [r.value for r in Role if r is not Role.PUBLIC]


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for a password; use --password-stdin")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise service.AccountError("the passwords differ")
    return first


async def _add(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    roles = {Role(r) for r in args.role}
    await service.create_user(conn, args.username, args.password,
                              args.display_name or args.username, roles, args.email)
    return f"created {args.username} ({', '.join(sorted(args.role)) or 'no role'})"


async def _role(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    user_id = await service.user_id_of(conn, args.username)
    current = await service.identity(conn, user_id)
    roles = {r for r in (current.roles if current else set()) if r is not Role.PUBLIC}
    roles = (roles | {Role(r) for r in args.add}) - {Role(r) for r in args.remove}
    await service.set_roles(conn, user_id, roles)
    return f"{args.username}: {', '.join(sorted(roles)) or 'no role'}"


async def _token(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    user_id = await service.user_id_of(conn, args.username)
    lifetime = timedelta(days=args.days) if args.days is not None else None
    token = await service.create_token(conn, user_id, args.name, lifetime)
    return f"token for {args.username} ({args.name}); it is shown only now:\n{token}"


async def _revoke(conn: asyncpg.Connection, args: argparse.Namespace) -> str:
    user_id = await service.user_id_of(conn, args.username)
    return f"revoked {await service.revoke_tokens(conn, user_id, args.name)} token(s)"


async def _list(conn: asyncpg.Connection, _args: argparse.Namespace) -> str:
    rows = await conn.fetch(
        "SELECT u.username, u.display_name, u.disabled, "
        "coalesce(string_agg(r.role, ',' ORDER BY r.role), '') AS roles "
        "FROM app_user u LEFT JOIN user_role r ON r.user_id = u.id GROUP BY u.id ORDER BY 1")
    return "\n".join(f"{r['username']:<20} {r['roles']:<40} {r['display_name']}"
                     + (" (disabled)" if r["disabled"] else "") for r in rows) or "no users"


ACTIONS: dict[str, Callable[[asyncpg.Connection, argparse.Namespace], Awaitable[str]]] = {
    "add": _add, "role": _role, "token": _token, "revoke": _revoke, "list": _list,
}


def run(args: argparse.Namespace) -> int:
    if args.action == "add":  # asked first: no prompt after a connection that fails
        args.password = _password(args)

    async def go() -> str:
        conn = await connect(database_url())
        try:
            return await ACTIONS[args.action](conn, args)
        finally:
            await conn.close()

    try:
        print(asyncio.run(go()))
    except service.AccountError as exc:
        print(f"citygis user: {exc}", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="accounts, roles and API tokens")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--role", action="append", default=[], choices=ASSIGNABLE)
    add.add_argument("--display-name")
    add.add_argument("--email")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    role = actions.add_parser("role", help="grant or withdraw roles")
    role.add_argument("username")
    role.add_argument("--add", action="append", default=[], choices=ASSIGNABLE)
    role.add_argument("--remove", action="append", default=[], choices=ASSIGNABLE)
    token = actions.add_parser("token", help="issue a personal access token (e.g. for QGIS)")
    token.add_argument("username")
    token.add_argument("--name", default="api")
    token.add_argument("--days", type=int, help=f"expire after this many days (default "
                       f"{service.TOKEN_LIFETIME.days}, at most {service.MAX_TOKEN_LIFETIME.days})")
    revoke = actions.add_parser("revoke", help="revoke a user's tokens (all, or --name)")
    revoke.add_argument("username")
    revoke.add_argument("--name")
    actions.add_parser("list", help="list accounts")
    user.set_defaults(run=run)
