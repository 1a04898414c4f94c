"""Log in and out of the web, and who am I."""

from __future__ import annotations

import math
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Body, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api import audit
from api.auth.identity import SESSION_COOKIE, IdentityDep, SignedInDep
from api.auth.service import SESSION_LIFETIME, Identity, authenticate, create_session, end_session
from api.deps import CatalogDep
from api.errors import Problem, Unauthorized
from api.ogc.common import json_response
from api.throttle import SlidingWindow

router = APIRouter(prefix="/auth", tags=["Identity"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TooManyAttempts(Problem):
    status, slug, title = 429, "too-many-attempts", "Too many failed logins"


class LoginThrottle(SlidingWindow):
    """Failed logins per client address within a window. Each attempt takes a place before the
    password is checked — so a burst of concurrent guesses cannot all slip past the count —
    and a right password gives it back."""

    def __init__(self, limit: int = 20, window_s: float = 600) -> None:
        super().__init__("login-failures", limit, window_s)

    async def attempt(self, conn: asyncpg.Connection, client: str) -> None:
        if not await self.take(conn, client):
            raise TooManyAttempts("too many failed logins from your address; try again later",
                                  headers={"Retry-After": str(int(self.window_s))})


class NameBackoff(SlidingWindow):
    """Failed logins per (name, address): after ``free`` of them each further try waits twice
    as long as the one before (1 s, 2 s, 4 s … at most ``longest_s``). Never a lock: the owner
    at another address is not held at all, and an unknown name is held exactly like a known
    one, so the answer tells nobody which names exist."""

    def __init__(self, free: int = 5, window_s: float = 900, longest_s: float = 300) -> None:
        super().__init__("login-name-failures", free, window_s)
        self.longest_s = longest_s

    @staticmethod
    def key(username: str, client: str) -> str:
        return f"{username.casefold()}|{client}"

    async def wait_s(self, conn: asyncpg.Connection, key: str) -> float:
        failures, since = await conn.fetchrow(
            "SELECT count(*), extract(epoch FROM clock_timestamp() - max(at))::float8 "
            "FROM rate_hit WHERE bucket = $1 AND key = $2 "
            "AND at > clock_timestamp() - make_interval(secs => $3)",
            self.bucket, key, self.window_s)
        if failures < self.limit:
            return 0.0
        return max(0.0, min(2.0 ** (failures - self.limit), self.longest_s) - since)

    async def check(self, conn: asyncpg.Connection, key: str) -> None:
        wait = await self.wait_s(conn, key)
        if wait > 0:
            raise TooManyAttempts(
                f"too many failed logins for this name from your address; try again in "
                f"{math.ceil(wait)} s", parameter="username",
                headers={"Retry-After": str(math.ceil(wait))})

    async def clear(self, conn: asyncpg.Connection, key: str) -> None:
        await conn.execute("DELETE FROM rate_hit WHERE bucket = $1 AND key = $2",
                           self.bucket, key)


def _me(identity: Identity, csrf: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"username": identity.username,
                               "display_name": identity.display_name,
                               "roles": sorted(str(r) for r in identity.roles)}
    if csrf:
        body["csrf_token"] = csrf
    return body


def _secure(request: Request) -> bool:
    public = request.app.state.settings.public_url or ""
    return request.url.scheme == "https" or public.startswith("https://")


@router.post("/login", summary="Log in; sets an HTTP-only session cookie")
async def login(request: Request, credentials: Annotated[Credentials, Body()]) -> Response:
    client = audit.client_ip(request) or "unknown"
    throttle: LoginThrottle = request.app.state.login_throttle
    backoff: NameBackoff = request.app.state.login_backoff
    name_key = backoff.key(credentials.username, client)
    async with request.app.state.pool.acquire() as conn:
        await throttle.attempt(conn, client)
        await backoff.check(conn, name_key)
        result = await authenticate(conn, credentials.username, credentials.password)
        if result.identity is None:
            await backoff.hit(conn, name_key)
            await audit.record(request, f"login-{result.reason}", credentials.username, conn=conn)
            raise Unauthorized("wrong username or password", parameter="password")
        await throttle.forgive(conn, client)
        await backoff.clear(conn, name_key)
        request.state.identity = result.identity
        token, csrf = await create_session(conn, result.identity.user_id, client)
        await audit.record(request, "login", result.identity.username, conn=conn)
    response = json_response(_me(result.identity, csrf))
    response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()),
                        httponly=True, secure=_secure(request), samesite="strict", path="/")
    return response


@router.post("/logout", status_code=204, summary="End the web session")
async def logout(request: Request, identity: SignedInDep) -> Response:
    async with request.app.state.pool.acquire() as conn:
        await end_session(conn, request.cookies.get(SESSION_COOKIE, ""))
        await audit.record(request, "logout", identity.username, conn=conn)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="The caller's account, roles and the layers they may edit")
async def me(request: Request, identity: IdentityDep, catalog: CatalogDep) -> Response:
    """A web page reloaded after login gets its session's CSRF token here (same-origin
    JavaScript only: the response is never readable cross-site)."""
    if identity is None:
        raise Unauthorized("not logged in")
    body = _me(identity, getattr(request.state, "csrf_token", None))
    body["editable_collections"] = [layer.id for layer in catalog if layer.may_edit(identity.roles)]
    return json_response(body)
