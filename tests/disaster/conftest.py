"""Fixtures of the disaster tests: a server on a database of the module's own (the tests change
shelters and rasters), raster uploads into a temporary folder, and a token per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.settings import get_settings
from tests.conftest import LiveServer, _create_database, _drop_database
from tests.helpers import run_db

PASSWORD = "correct horse battery"
UPLOAD_LIMIT = 300_000
ROLES = ("citizen", "planner", "disaster_officer", "admin")


@dataclass
class DisasterServer:
    live: LiveServer
    url: URL
    tokens: dict[str, str]
    raster_dir: Path

    def client(self, role: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.live.url, headers=headers, timeout=30)


def _tokens(url: URL) -> dict[str, str]:
    async def issue(conn: asyncpg.Connection) -> dict[str, str]:
        found = {}
        for role in ROLES:
            user_id = await service.create_user(conn, f"d_{role}", PASSWORD, role, {Role(role)})
            found[role] = await service.create_token(conn, user_id, "disaster tests")
        return found
    return run_db(url, issue)


@pytest.fixture(scope="module")
def disaster(server_url: URL, template_db: str, tmp_path_factory: pytest.TempPathFactory,
             request: pytest.FixtureRequest) -> Iterator[DisasterServer]:
    name = f"citygis_test_{request.module.__name__.rsplit('.', 1)[-1]}"
    url = _create_database(server_url, name, template_db)
    raster_dir = tmp_path_factory.mktemp("rasters")
    settings = get_settings().model_copy(update={"raster_dir": raster_dir,
                                                 "raster_upload_max_bytes": UPLOAD_LIMIT})
    tokens = _tokens(url)
    with LiveServer(url, settings) as live:
        yield DisasterServer(live, url, tokens, raster_dir)
    _drop_database(server_url, name)
