"""Who is calling: a bearer token (API clients such as QGIS) or a web session cookie, whose
state-changing requests must carry the session's CSRF token. Anonymous callers hold only the
public role."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from api.auth.service import Identity, session_identity, token_identity
from api.errors import Forbidden, Unauthorized
from gis_core.access import ANONYMOUS, Role, may

SESSION_COOKIE = "citygis_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def _from_token(request: Request, header: str) -> Identity:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'", parameter="Authorization")
    async with request.app.state.pool.acquire() as conn:
        found = await token_identity(conn, token.strip())
    if found is None:
        raise Unauthorized("the token is unknown, revoked or expired", parameter="Authorization",
                           headers={"WWW-Authenticate": "Bearer"})
    return found


async def _from_session(request: Request, cookie: str) -> Identity | None:
    async with request.app.state.pool.acquire() as conn:
        found = await session_identity(conn, cookie)
    if found is None:
        return None  # expired or logged out: carry on as anonymous
    identity, csrf = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), csrf.encode()):
            raise Forbidden("missing or wrong CSRF token", parameter=CSRF_HEADER)
    request.state.csrf_token = csrf
    return identity


async def current_identity(request: Request) -> Identity | None:
    """Resolved once per request and kept on ``request.state``."""
    if hasattr(request.state, "identity"):
        return request.state.identity
    identity: Identity | None = None
    if header := request.headers.get("authorization"):
        identity = await _from_token(request, header)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        identity = await _from_session(request, cookie)
    request.state.identity = identity
    request.state.roles = identity.roles if identity else ANONYMOUS
    return identity


IdentityDep = Annotated[Identity | None, Depends(current_identity)]


async def signed_in(identity: IdentityDep) -> Identity:
    if identity is None:
        raise Unauthorized("log in first")
    return identity


SignedInDep = Annotated[Identity, Depends(signed_in)]


def holding(*roles: Role) -> Callable[[Identity], Awaitable[Identity]]:
    """A dependency: the signed-in caller, who must hold one of ``roles`` (admins always do)."""
    allowed = frozenset(roles)

    async def check(identity: SignedInDep) -> Identity:
        if not may(allowed, identity.roles):
            needed = " or ".join(sorted(str(r) for r in allowed))
            raise Forbidden(f"this needs the role {needed}")
        return identity

    return check
