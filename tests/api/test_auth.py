"""Accounts, sessions with CSRF, bearer tokens, login back-off (never a lock-out), password
and token rules, and the audit log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TypeVar

import asyncpg
import httpx
import psycopg
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.database import psycopg_connect
from tests.conftest import LiveServer
from tests.helpers import run_db

PASSWORD = "correct horse battery"


T = TypeVar("T")




@pytest.fixture(scope="module")
def server(auth_db_url: URL) -> Iterator[tuple[LiveServer, URL]]:
    async def accounts(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "planner1", PASSWORD, "計画 一郎", {Role.PLANNER})
        await service.create_user(conn, "admin1", PASSWORD, "管理 花子", {Role.ADMIN})
        await service.create_user(conn, "victim", PASSWORD, "被害 者", {Role.CITIZEN})
    run_db(auth_db_url, accounts)
    with LiveServer(auth_db_url) as live:
        yield live, auth_db_url


@pytest.fixture(scope="module")
def auth_db_url(server_url: URL, template_db: str) -> Iterator[URL]:
    from tests.conftest import _create_database, _drop_database

    name = "citygis_test_auth"
    yield _create_database(server_url, name, template_db)
    _drop_database(server_url, name)


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/auth/login", json={"username": username, "password": password})


def test_login_sets_an_http_only_strict_cookie(server: tuple[LiveServer, URL]) -> None:
    live, _ = server
    with httpx.Client(base_url=live.url) as client:
        response = login(client, "planner1")
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        body = response.json()
        assert body["roles"] == ["planner", "public"] and body["csrf_token"]
        assert client.get("/auth/me").json()["display_name"] == "計画 一郎"


def test_logout_needs_the_csrf_token(server: tuple[LiveServer, URL]) -> None:
    live, _ = server
    with httpx.Client(base_url=live.url) as client:
        csrf = login(client, "planner1").json()["csrf_token"]
        refused = client.post("/auth/logout")
        assert refused.status_code == 403
        assert refused.json()["invalid-params"][0]["name"] == "X-CSRF-Token"
        assert client.post("/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert client.get("/auth/me").status_code == 401


def _from(live: LiveServer, address: str) -> httpx.Client:
    """A client whose requests come from another loopback address (another computer)."""
    return httpx.Client(base_url=live.url,
                        transport=httpx.HTTPTransport(local_address=address))


def _guesses(client: httpx.Client, username: str, n: int) -> list[httpx.Response]:
    return [login(client, username, "not the password") for _ in range(n)]


def test_failures_slow_a_name_from_that_address_and_never_lock_its_owner(
        server: tuple[LiveServer, URL]) -> None:
    live, _ = server
    with _from(live, "127.0.0.2") as attacker, _from(live, "127.0.0.3") as owner:
        answers = _guesses(attacker, "victim", 7)
        assert [a.status_code for a in answers] == [401] * 5 + [429] * 2
        assert answers[0].headers["content-type"] == "application/problem+json"
        held = answers[5]
        assert held.json()["invalid-params"][0]["name"] == "username"
        assert held.headers["Retry-After"] == "1"
        assert login(owner, "victim").status_code == 200  # elsewhere: not held at all
        time.sleep(1.1)
        assert login(attacker, "victim", "still wrong").status_code == 401  # back-off, no lock
        assert login(attacker, "victim").headers["Retry-After"] == "2"  # and twice as long


def test_an_unknown_name_is_held_exactly_like_a_known_one(
        server: tuple[LiveServer, URL]) -> None:
    live, _ = server
    with _from(live, "127.0.0.4") as client:
        known = _guesses(client, "planner1", 6)
        unknown = _guesses(client, "nobody-here-at-all", 6)
    assert [a.status_code for a in known] == [a.status_code for a in unknown]
    assert [a.json()["detail"] for a in known] == [a.json()["detail"] for a in unknown]


def test_unknown_user_is_indistinguishable(server: tuple[LiveServer, URL]) -> None:
    live, _ = server
    with httpx.Client(base_url=live.url) as client:
        unknown = login(client, "nobody-here").json()["detail"]
        wrong = login(client, "planner1", "wrong password!").json()["detail"]
    assert unknown == wrong


def test_bearer_tokens(server: tuple[LiveServer, URL]) -> None:
    live, url = server

    async def issue(conn: asyncpg.Connection) -> str:
        return await service.create_token(conn, await service.user_id_of(conn, "planner1"), "qgis")
    token = run_db(url, issue)
    with httpx.Client(base_url=live.url) as client:
        me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == "planner1"
        bad = client.get("/collections", headers={"Authorization": "Bearer cgis_nope"})
        assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
        assert client.get("/collections",
                          headers={"Authorization": "Basic abc"}).status_code == 401

    async def revoke(conn: asyncpg.Connection) -> int:
        return await service.revoke_tokens(conn, await service.user_id_of(conn, "planner1"), None)
    assert run_db(url, revoke) == 1
    with httpx.Client(base_url=live.url) as client:
        assert client.get("/auth/me",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_audit_log_is_for_admins_and_records_logins(server: tuple[LiveServer, URL]) -> None:
    live, _ = server
    with httpx.Client(base_url=live.url) as client:
        assert client.get("/audit").status_code == 401
        login(client, "planner1")
        assert client.get("/audit").status_code == 403
    with httpx.Client(base_url=live.url) as client:
        login(client, "admin1")
        entries = client.get("/audit", params={"action": "login"}).json()["entries"]
        assert {"planner1", "admin1"} <= {e["username"] for e in entries}
        assert entries[0]["at"].endswith("+09:00")
        failures = client.get("/audit", params={"action": "login-bad-credentials"}).json()
        assert failures["entries"] and failures["entries"][0]["roles"] == ["public"]
        page = client.get("/audit", params={"f": "html"})
        assert "監査ログ" in page.text


def test_the_audit_log_cannot_be_changed(server: tuple[LiveServer, URL]) -> None:
    _, url = server
    with psycopg_connect(url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("UPDATE audit_log SET action = 'nothing'")
    with psycopg_connect(url) as conn, pytest.raises(psycopg.errors.RaiseException):
        conn.execute("DELETE FROM audit_log")


def test_weak_passwords_and_duplicate_users_are_refused(server: tuple[LiveServer, URL]) -> None:
    _, url = server

    async def weak(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "weakling", "short", "弱", {Role.CITIZEN})

    async def twice(conn: asyncpg.Connection) -> None:
        await service.create_user(conn, "planner1", PASSWORD, "again", {Role.CITIZEN})
    with pytest.raises(service.AccountError, match="at least"):
        run_db(url, weak)
    for guessable in (" " * 10, "aaaaaaaaaaaa", "1234567890", "password1234", "qwertyuiop",
                      "higashiyamato", "weakling2026"):
        async def common(conn: asyncpg.Connection, password: str = guessable) -> None:
            await service.create_user(conn, "weakling", password, "弱", {Role.CITIZEN})
        with pytest.raises(service.AccountError, match="too easy to guess"):
            run_db(url, common)
    with pytest.raises(service.AccountError, match="exists"):
        run_db(url, twice)


def test_every_token_expires_within_a_year(server: tuple[LiveServer, URL]) -> None:
    _, url = server

    async def lifetimes(conn: asyncpg.Connection) -> list[float]:
        user_id = await service.user_id_of(conn, "planner1")
        await service.create_token(conn, user_id, "default")
        await service.create_token(conn, user_id, "year", timedelta(days=365))
        for too_long in (timedelta(days=366), timedelta(0), timedelta(days=-1)):
            with pytest.raises(service.AccountError, match="365 days"):
                await service.create_token(conn, user_id, "forever", too_long)
        rows = await conn.fetch("SELECT extract(epoch FROM expires_at - created_at) / 86400 AS d "
                                "FROM api_token WHERE name IN ('default', 'year') ORDER BY d")
        return [round(r["d"]) for r in rows]
    assert run_db(url, lifetimes) == [service.TOKEN_LIFETIME.days, 365]
    with psycopg_connect(url) as conn, pytest.raises(psycopg.errors.IntegrityError):
        conn.execute("INSERT INTO api_token (user_id, name, token_hash, prefix, expires_at) "
                     "SELECT id, 'x', '\\x01', 'x', NULL FROM app_user LIMIT 1")
    with psycopg_connect(url) as conn, pytest.raises(psycopg.errors.CheckViolation):
        conn.execute("INSERT INTO api_token (user_id, name, token_hash, prefix, expires_at) "
                     "SELECT id, 'x', '\\x02', 'x', now() + interval '10 years' "
                     "FROM app_user LIMIT 1")
