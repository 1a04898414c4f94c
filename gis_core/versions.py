"""Layer versions, kept current by LISTEN/NOTIFY: the trigger on every layer table bumps the
version and notifies ``layer:version``; each server process updates its copy and so stops
serving stale tiles. A lost listening connection is re-established and the versions re-read."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from gis_core.schema import LAYER_CHANGED_CHANNEL

log = logging.getLogger(__name__)
RECONNECT_DELAYS = (0.1, 0.5, 1, 2, 5)


class LayerVersions:
    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._on_change: list[Callable[[str], None]] = []

    def get(self, layer_id: str) -> int:
        return self._versions.get(layer_id, 0)

    def on_change(self, callback: Callable[[str], None]) -> None:
        self._on_change.append(callback)

    async def start(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        await self._listen()

    async def _listen(self) -> None:
        """Listen first, then read: a change between the two is not missed."""
        assert self._pool is not None
        listener = await self._pool.acquire()
        await listener.add_listener(LAYER_CHANGED_CHANNEL, self._notified)
        listener.add_termination_listener(self._lost)
        rows = await listener.fetch("SELECT layer_id, version FROM layer_version")
        self._versions = {row["layer_id"]: row["version"] for row in rows}
        self._listener = listener

    async def stop(self) -> None:
        pool, listener = self._pool, self._listener
        self._pool = self._listener = None
        if pool is not None and listener is not None:
            listener.remove_termination_listener(self._lost)
            await listener.remove_listener(LAYER_CHANGED_CHANNEL, self._notified)
            await pool.release(listener)

    def _lost(self, _conn: asyncpg.Connection) -> None:
        log.warning("lost the connection listening for layer changes; reconnecting")
        self._listener = None
        if self._pool is not None:
            asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        for delay in RECONNECT_DELAYS:
            await asyncio.sleep(delay)
            if self._pool is None:
                return
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("reconnecting the layer listener failed: %s", exc)
                continue
            for layer in list(self._versions):
                self._changed(layer)
            return
        log.error("could not re-establish the layer listener; restart the server")

    def _notified(self, _conn: asyncpg.Connection, _pid: int, _channel: str, payload: str) -> None:
        layer, _, version = payload.rpartition(":")
        if int(version) > self.get(layer):
            self._versions[layer] = int(version)
            self._changed(layer)

    def _changed(self, layer: str) -> None:
        for callback in self._on_change:
            callback(layer)
