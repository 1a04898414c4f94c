"""Fixtures: a real PostGIS (the project-owned cluster, or DATABASE_URL), a template database
migrated and loaded once per test session, and throwaway databases cloned from it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import URL

from gis_core.cluster import LocalCluster
from gis_core.database import database_url, ensure_database, psycopg_connect, uses_local_cluster
from gis_core.migrate import upgrade
from gis_core.settings import Settings, get_settings
from layers import migration_folders
from tests.leaks import ProblemRecorder

RUN_ID = f"{os.getpid()}"
PROBLEMS = ProblemRecorder()
PROBLEMS.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when any problem document the suite provoked gave away internals."""
    if PROBLEMS.leaky:
        session.config.get_terminal_writer().line(PROBLEMS.report(), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def server_url() -> URL:
    """URL of the database server tests create their databases on."""
    settings = get_settings()
    if uses_local_cluster(settings):
        LocalCluster(settings).start()
    url = database_url(settings)
    ensure_database(url)
    return url


def _create_database(server: URL, name: str, template: str | None = None) -> URL:
    with psycopg_connect(server.set(database="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        source = f'TEMPLATE "{template}"' if template else "TEMPLATE template0"
        conn.execute(f'CREATE DATABASE "{name}" {source}')
    return server.set(database=name)


def _drop_database(server: URL, name: str) -> None:
    with psycopg_connect(server.set(database="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def template_db(server_url: URL) -> Iterator[str]:
    """A database migrated and loaded with the city once per session, used as a template."""
    from data.load import load_city

    name = f"citygis_test_tpl_{RUN_ID}"
    url = _create_database(server_url, name)
    upgrade(url, migration_folders())
    load_city(url, progress=False)
    yield name
    _drop_database(server_url, name)


@pytest.fixture(scope="session")
def db_url(server_url: URL, template_db: str) -> Iterator[URL]:
    """The session's database: the loaded city. Tests that change data use ``fresh_db_url``."""
    name = f"citygis_test_{RUN_ID}"
    yield _create_database(server_url, name, template_db)
    _drop_database(server_url, name)


@pytest.fixture
def fresh_db_url(server_url: URL, template_db: str) -> Iterator[URL]:
    """A database of this test's own, cloned from the loaded template."""
    name = f"citygis_test_{RUN_ID}_fresh"
    yield _create_database(server_url, name, template_db)
    _drop_database(server_url, name)


class LiveServer:
    """The app served by uvicorn on a free loopback port, in a thread of the test process."""

    def __init__(self, url: URL, settings: Settings | None = None, app: object = None) -> None:
        import socket
        import threading

        import uvicorn

        from api.http_protocol import ProblemHttpProtocol
        from web_map.app import create_app

        self.app = app or create_app(settings, url=url)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", http=ProblemHttpProtocol)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        import time

        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(db_url: URL) -> Iterator[LiveServer]:
    """The app on the session's database (read-only tests)."""
    with LiveServer(db_url) as server:
        yield server


@pytest.fixture(scope="session")
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def fresh_module_db(server_url: URL, template_db: str, request: pytest.FixtureRequest
                    ) -> Iterator[URL]:
    """A database of this test module's own, cloned from the loaded template."""
    name = f"citygis_test_{RUN_ID}_{request.module.__name__.rsplit('.', 1)[-1]}"[:63]
    yield _create_database(server_url, name, template_db)
    _drop_database(server_url, name)
