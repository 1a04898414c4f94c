"""Fan-out of a PostgreSQL NOTIFY channel to the streams open in this server process.

One listening connection per process; every subscriber gets its own bounded queue. A NOTIFY
sent by any process (another uvicorn worker, the CLI, a trigger) reaches the subscribers of
every process. A lost listening connection is re-established; subscribers get ``None`` (so a
stream can tell its client to reload) and then the notifications that follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import asyncpg

log = logging.getLogger(__name__)
QUEUE_SIZE = 256
RECONNECT_DELAYS = (0.1, 0.5, 1, 2, 5, 10)


class Broadcaster:
    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._subscribers: set[asyncio.Queue[str | None]] = set()
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None

    @property
    def running(self) -> bool:
        return self._pool is not None

    async def start(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        await self._listen()

    async def _listen(self) -> None:
        assert self._pool is not None
        listener = await self._pool.acquire()
        await listener.add_listener(self.channel, self._notified)
        listener.add_termination_listener(self._lost)
        self._listener = listener

    async def stop(self) -> None:
        pool, listener = self._pool, self._listener
        self._pool = self._listener = None
        for queue in self._subscribers:
            self._offer(queue, None)
        if pool is not None and listener is not None:
            listener.remove_termination_listener(self._lost)
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                await listener.remove_listener(self.channel, self._notified)
            await pool.release(listener)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Queue[str | None]]:
        queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    @staticmethod
    def _offer(queue: asyncio.Queue[str | None], payload: str | None) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a stalled client misses events
            queue.put_nowait(payload)

    def _notified(self, _conn: asyncpg.Connection, _pid: int, _channel: str,
                  payload: str) -> None:
        for queue in self._subscribers:
            self._offer(queue, payload)

    def _lost(self, _conn: asyncpg.Connection) -> None:
        log.warning("lost the connection listening on %s; reconnecting", self.channel)
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
                log.warning("reconnecting the %s listener failed: %s", self.channel, exc)
                continue
            for queue in self._subscribers:
                self._offer(queue, None)  # events may have been missed: clients reload
            return
        log.error("could not listen on %s again; restart the server", self.channel)
