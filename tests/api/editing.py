"""Helpers for the editing tests: a live server on a database of the test's own, real accounts
of every role with bearer tokens, and a catalog that also holds a layer planners may not read."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
import httpx
from sqlalchemy.engine import URL

from api.auth import service
from gis_core.access import Role
from gis_core.catalog import Catalog, Layer, catalog
from gis_core.settings import Settings, get_settings
from tests.conftest import LiveServer
from tests.helpers import run_db

PASSWORD = "correct horse battery"
USERS = {
    "planner1": {Role.PLANNER}, "planner2": {Role.PLANNER},
    "officer": {Role.DISASTER_OFFICER}, "citizen1": {Role.CITIZEN},
    "caseworker": {Role.CASEWORKER}, "admin1": {Role.ADMIN},
}
T = TypeVar("T")




def with_restricted_layer(layers: Catalog) -> Catalog:
    """The city's catalog plus ``casework_sites`` (facilities, read and edited by caseworkers)."""
    extended = Catalog()
    extended.register(*layers)
    facilities = layers.get("facilities")
    assert isinstance(facilities, Layer)
    extended.register(Layer(**{
        **{f: getattr(facilities, f) for f in facilities.__dataclass_fields__},
        "id": "casework_sites", "read_roles": frozenset({Role.CASEWORKER}),
        "edit_roles": frozenset({Role.CASEWORKER}),
    }))
    return extended


@dataclass
class Editing:
    live: LiveServer
    url: URL
    tokens: dict[str, str]
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, user: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = kwargs.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        client = httpx.Client(base_url=self.live.url, headers=headers, timeout=30, **kwargs)
        self.clients.append(client)
        return client

    def db(self, action: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        return run_db(self.url, action)

    def fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        return self.db(lambda conn: conn.fetch(sql, *args))


async def _accounts(conn: asyncpg.Connection) -> dict[str, str]:
    tokens = {}
    for username, roles in USERS.items():
        user_id = await service.create_user(conn, username, PASSWORD, username.title(), roles)
        tokens[username] = await service.create_token(conn, user_id, "tests")
    return tokens


@contextmanager
def editing_server(url: URL, settings: Settings | None = None) -> Iterator[Editing]:
    tokens = run_db(url, _accounts)
    live = LiveServer(url, settings)
    live.app.state.catalog = with_restricted_layer(catalog)
    with live:
        editing = Editing(live, url, tokens)
        try:
            yield editing
        finally:
            for client in editing.clients:
                client.close()


def small_body_settings(limit: int) -> Settings:
    return get_settings().model_copy(update={"max_body_bytes": limit})
