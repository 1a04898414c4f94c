"""Layer versions, kept current by LISTEN/NOTIFY: the trigger on every layer table bumps the
version and notifies; each server process updates its copy and so stops serving stale tiles."""

from __future__ import annotations

import logging
from collections.abc import Callable

import asyncpg

from gis_core.schema import LAYER_CHANGED_CHANNEL

log = logging.getLogger(__name__)


class LayerVersions:
    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._listener: asyncpg.Connection | None = None
        self._on_change: list[Callable[[str], None]] = []

    def get(self, layer_id: str) -> int:
        return self._versions.get(layer_id, 0)

    def on_change(self, callback: Callable[[str], None]) -> None:
        self._on_change.append(callback)

    async def reload(self, conn: asyncpg.Connection) -> None:
        rows = await conn.fetch("SELECT layer_id, version FROM layer_version")
        self._versions = {row["layer_id"]: row["version"] for row in rows}

    async def start(self, pool: asyncpg.Pool) -> None:
        """Listen first, then read: a change between the two is not missed."""
        self._listener = await pool.acquire()
        await self._listener.add_listener(LAYER_CHANGED_CHANNEL, self._notified)
        self._listener.add_termination_listener(lambda _conn: log.warning("listener lost"))
        await self.reload(self._listener)

    async def stop(self, pool: asyncpg.Pool) -> None:
        if self._listener is not None:
            await self._listener.remove_listener(LAYER_CHANGED_CHANNEL, self._notified)
            await pool.release(self._listener)
            self._listener = None

    def _notified(self, _conn: asyncpg.Connection, _pid: int, _channel: str, payload: str) -> None:
        layer, _, version = payload.rpartition(":")
        if int(version) <= self.get(layer):
            return
        self._versions[layer] = int(version)
        for callback in self._on_change:
            callback(layer)
