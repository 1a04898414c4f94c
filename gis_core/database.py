"""Database access: which database, sync engines for set-up and loading, and the asyncpg pool
that serves the map APIs."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import asyncpg
import psycopg
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

from gis_core.cluster import LocalCluster
from gis_core.settings import Settings, get_settings

# Statements sent by the API: custom plans (tile SQL with a generic plan recomputes the tile
# envelope per row), no JIT and no parallel workers for the many small queries of a map.
API_SERVER_SETTINGS = {
    "plan_cache_mode": "force_custom_plan",
    "jit": "off",
    "max_parallel_workers_per_gather": "0",
    "application_name": "citygis-api",
    "timezone": "Asia/Tokyo",
}


class DatabaseUnavailable(ConnectionError):
    """PostgreSQL cannot be reached now: restarting, shut down, or out of connections."""


DATABASE_LOST: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,
    asyncpg.PostgresConnectionError,  # the connection broke during a statement
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.TooManyConnectionsError,
    psycopg.OperationalError,
)
"""Exceptions that say the database is out of reach, not that a statement was wrong."""


def is_database_lost(exc: BaseException | None) -> bool:
    """True when ``exc``, or an exception it was raised from, is one of DATABASE_LOST."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_LOST):
            return True
        if isinstance(exc, asyncpg.InterfaceError) and "connection is closed" in str(exc):
            return True
        # A connection the server terminated while idle leaves asyncpg's protocol state
        # confused: the next statement (or the reset on release) fails this way.
        if isinstance(exc, asyncpg.exceptions.InternalClientError) and \
                "another operation" in str(exc):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


async def _connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """asyncpg's connect, with a refused or missing socket told apart from a failed query."""
    try:
        return await asyncpg.connect(*args, **kwargs)
    except (OSError, TimeoutError) as exc:
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {exc}") from exc


async def connect(url: URL, timeout: float = 30) -> asyncpg.Connection:
    """One asyncpg connection (commands, loaders); DatabaseUnavailable when the server cannot be
    reached — asyncpg says so with bare OSErrors, which would read like a missing file."""
    return await _connect(**connect_kwargs(url), timeout=timeout)


def database_url(settings: Settings | None = None) -> URL:
    """The SQLAlchemy URL (psycopg driver) of the database citygis uses."""
    settings = settings or get_settings()
    raw = settings.database_url or LocalCluster(settings).url
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def uses_local_cluster(settings: Settings | None = None) -> bool:
    return (settings or get_settings()).database_url is None


def with_database(url: URL, name: str) -> URL:
    return url.set(database=name)


def connect_kwargs(url: URL) -> dict[str, Any]:
    """Connection keywords for asyncpg / psycopg from a SQLAlchemy URL."""
    kwargs: dict[str, Any] = {"database": url.database, "user": url.username}
    if url.password:
        kwargs["password"] = url.password
    host = url.query.get("host") or url.host
    if isinstance(host, tuple):
        host = host[0]
    if host:
        kwargs["host"] = host
    port = url.query.get("port") or url.port
    if port:
        kwargs["port"] = int(port if not isinstance(port, tuple) else port[0])
    return kwargs


def psycopg_connect(url: URL, **extra: Any) -> psycopg.Connection:
    kwargs = connect_kwargs(url)
    kwargs["dbname"] = kwargs.pop("database")
    return psycopg.connect(**kwargs, **extra)


@lru_cache(maxsize=8)
def _engine(url_text: str) -> Engine:
    return create_engine(url_text, pool_pre_ping=True, future=True)


def sync_engine(url: URL | None = None) -> Engine:
    url = url or database_url()
    return _engine(url.render_as_string(hide_password=False))


async def create_pool(url: URL, size: int) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        **connect_kwargs(url),
        connect=_connect,
        min_size=1,
        max_size=size,
        server_settings=API_SERVER_SETTINGS,
        command_timeout=60,
    )


def ensure_database(url: URL) -> bool:
    """Create the database named in ``url`` if missing; True when created now."""
    try:
        psycopg_connect(url).close()
        return False
    except psycopg.OperationalError:
        pass  # missing (or unreachable: the admin connection below says which)
    admin = with_database(url, "postgres")
    with psycopg_connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)
        ).fetchone()
        if exists:
            return False
        conn.execute(f'CREATE DATABASE "{url.database}" ENCODING UTF8 TEMPLATE template0')
        return True
