"""Accounts, passwords (argon2), sessions and personal access tokens, over asyncpg.

Secrets are never stored: sessions and tokens are kept as SHA-256 hashes of random values.
Failed logins never lock an account (an attacker could lock out its owner): the login route
slows down guesses per address and per name-and-address instead (api/auth/routes.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from gis_core.access import Role

HASHER = PasswordHasher()
SESSION_LIFETIME = timedelta(hours=8)
TOKEN_PREFIX = "cgis_"
TOKEN_LIFETIME = timedelta(days=90)
"""A token's life when none is asked for; none lives longer than MAX_TOKEN_LIFETIME."""
MAX_TOKEN_LIFETIME = timedelta(days=365)
MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable" for an online attacker
CITY_WORDS = ("higashiyamato", "東大和", "citygis", "tokyo", "東京")
# Verifying against this keeps the time of a login for an unknown user like a real one.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """A request about accounts that cannot be done (message says why)."""


@dataclass(frozen=True)
class Identity:
    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def check_password_strength(password: str, *user_words: str) -> None:
    """At least MIN_PASSWORD_LENGTH characters and not guessable: common passwords, repeats,
    sequences, keyboard walks and the user's own names are refused (zxcvbn)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    verdict = zxcvbn(password[:72], user_inputs=[*user_words, *CITY_WORDS])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        reason = verdict["feedback"]["warning"] or "it is too easy to guess"
        raise AccountError(f"password is too easy to guess: {reason.rstrip('.')}. "
                           "Use a longer phrase of unrelated words")


async def create_user(conn: asyncpg.Connection, username: str, password: str,
                      display_name: str, roles: set[Role], email: str | None = None) -> int:
    check_password_strength(password, username, display_name)
    try:
        async with conn.transaction():
            user_id = await conn.fetchval(
                "INSERT INTO app_user (username, display_name, email, password_hash) "
                "VALUES ($1, $2, $3, $4) RETURNING id",
                username, display_name, email, HASHER.hash(password),
            )
            await set_roles(conn, user_id, roles)
    except asyncpg.UniqueViolationError:
        raise AccountError(f"user {username!r} exists already") from None
    except asyncpg.CheckViolationError:
        raise AccountError("username must be 3–64 of a-z 0-9 . _ -") from None
    return user_id


async def set_roles(conn: asyncpg.Connection, user_id: int, roles: set[Role]) -> None:
    unknown = {str(r) for r in roles} - {r.value for r in Role if r is not Role.PUBLIC}
    if unknown:
        raise AccountError(f"unknown role(s): {', '.join(sorted(unknown))}")
    await conn.execute("DELETE FROM user_role WHERE user_id = $1", user_id)
    await conn.executemany("INSERT INTO user_role (user_id, role) VALUES ($1, $2)",
                           [(user_id, str(role)) for role in roles])


async def user_id_of(conn: asyncpg.Connection, username: str) -> int:
    user_id = await conn.fetchval("SELECT id FROM app_user WHERE username = $1", username)
    if user_id is None:
        raise AccountError(f"no user {username!r}")
    return user_id


async def identity(conn: asyncpg.Connection, user_id: int) -> Identity | None:
    row = await conn.fetchrow(
        "SELECT u.id, u.username, u.display_name, array_remove(array_agg(r.role), NULL) AS roles "
        "FROM app_user u LEFT JOIN user_role r ON r.user_id = u.id "
        "WHERE u.id = $1 AND NOT u.disabled GROUP BY u.id", user_id,
    )
    if row is None:
        return None
    roles = frozenset({Role.PUBLIC, *(Role(r) for r in row["roles"])})
    return Identity(row["id"], row["username"], row["display_name"], roles)


@dataclass(frozen=True)
class LoginResult:
    identity: Identity | None
    reason: str  # "ok", "bad-credentials"


async def authenticate(conn: asyncpg.Connection, username: str, password: str) -> LoginResult:
    """Known and unknown names take the same path and the same time: one argon2 check."""
    row = await conn.fetchrow(
        "SELECT id, password_hash, disabled FROM app_user WHERE username = $1", username)
    known = row is not None and not row["disabled"]
    if not _verify(row["password_hash"] if known else _DUMMY_HASH, password) or not known:
        if known:
            await conn.execute(
                "UPDATE app_user SET failed_logins = failed_logins + 1 WHERE id = $1", row["id"])
        return LoginResult(None, "bad-credentials")
    await conn.execute("UPDATE app_user SET failed_logins = 0 WHERE id = $1", row["id"])
    return LoginResult(await identity(conn, row["id"]), "ok")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def create_session(conn: asyncpg.Connection, user_id: int,
                         client_ip: str | None) -> tuple[str, str]:
    """A new session: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO user_session (token_hash, user_id, csrf_token, expires_at, client_ip) "
        "VALUES ($1, $2, $3, now() + $4, $5::inet)",
        _digest(token), user_id, csrf, SESSION_LIFETIME, client_ip,
    )
    return token, csrf


async def session_identity(conn: asyncpg.Connection,
                           token: str) -> tuple[Identity, str] | None:
    """The identity and CSRF token of a live session."""
    row = await conn.fetchrow(
        "SELECT user_id, csrf_token FROM user_session "
        "WHERE token_hash = $1 AND expires_at > now()", _digest(token),
    )
    if row is None:
        return None
    found = await identity(conn, row["user_id"])
    return (found, row["csrf_token"]) if found else None


async def end_session(conn: asyncpg.Connection, token: str) -> None:
    await conn.execute("DELETE FROM user_session WHERE token_hash = $1", _digest(token))


async def create_token(conn: asyncpg.Connection, user_id: int, name: str,
                       lifetime: timedelta | None = None) -> str:
    """A personal access token for API clients (shown once; only its hash is kept). Every token
    expires: after TOKEN_LIFETIME unless asked otherwise, never later than MAX_TOKEN_LIFETIME."""
    lifetime = TOKEN_LIFETIME if lifetime is None else lifetime
    if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
        raise AccountError(f"a token lives between a moment and {MAX_TOKEN_LIFETIME.days} days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = datetime.now(UTC) + lifetime
    await conn.execute(
        "INSERT INTO api_token (user_id, name, token_hash, prefix, expires_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        user_id, name, _digest(token), token[: len(TOKEN_PREFIX) + 6], expires,
    )
    return token


async def token_identity(conn: asyncpg.Connection, token: str) -> Identity | None:
    row = await conn.fetchrow(
        "SELECT id, user_id, last_used_at < now() - interval '1 minute' AS stale FROM api_token "
        "WHERE token_hash = $1 AND NOT revoked AND expires_at > now()",
        _digest(token),
    )
    if row is None:
        return None
    if row["stale"] is not False:  # at most one write a minute per token, not one per tile
        await conn.execute("UPDATE api_token SET last_used_at = now() WHERE id = $1", row["id"])
    return await identity(conn, row["user_id"])


async def revoke_tokens(conn: asyncpg.Connection, user_id: int, name: str | None) -> int:
    result = await conn.execute(
        "UPDATE api_token SET revoked = true WHERE user_id = $1 AND NOT revoked "
        "AND ($2::text IS NULL OR name = $2)", user_id, name,
    )
    return int(result.split()[-1])
