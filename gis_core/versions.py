"""Layer versions, kept current by LISTEN/NOTIFY: the trigger on every layer table bumps the
version and notifies ``layer:version``; each server process updates its copy and so stops
serving stale tiles. After the listening connection was lost and re-established, the versions
are read again (changes may have been missed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import asyncpg

from gis_core.events import Listener
from gis_core.schema import LAYER_CHANGED_CHANNEL

log = logging.getLogger(__name__)


class LayerVersions:
    def __init__(self) -> None:
        self._versions: dict[str, int] = {}
        self._pool: asyncpg.Pool | None = None
        self._on_change: list[Callable[[str], None]] = []

    def get(self, layer_id: str) -> int:
        return self._versions.get(layer_id, 0)

    def on_change(self, callback: Callable[[str], None]) -> None:
        self._on_change.append(callback)

    async def start(self, pool: asyncpg.Pool, listener: Listener) -> None:
        """Listen first, then read: a change between the two is not missed."""
        self._pool = pool
        await listener.subscribe(LAYER_CHANGED_CHANNEL, self._notified)
        await self._read()

    async def _read(self) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            rows = await conn.fetch("SELECT layer_id, version FROM layer_version")
        self._versions = {row["layer_id"]: row["version"] for row in rows}

    async def _read_again(self) -> None:
        try:
            await self._read()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("could not read the layer versions again: %s", exc)
        for layer in list(self._versions):
            self._changed(layer)

    def _notified(self, payload: str | None) -> None:
        if payload is None:  # the listener reconnected
            asyncio.get_running_loop().create_task(self._read_again())
            return
        layer, _, version = payload.rpartition(":")
        if int(version) > self.get(layer):
            self._versions[layer] = int(version)
            self._changed(layer)

    def _changed(self, layer: str) -> None:
        for callback in self._on_change:
            callback(layer)
