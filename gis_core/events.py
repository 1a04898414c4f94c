"""PostgreSQL LISTEN/NOTIFY for a server process: one listening connection for every channel.

A NOTIFY sent by any process (another uvicorn worker, the CLI, a trigger) is delivered when its
transaction commits and reaches the callbacks of every process. A lost listening connection is
re-established (the database restarted); then every callback is called with ``None``, because
notifications may have been missed meanwhile and each listener knows what to re-read.

``Broadcaster`` fans one channel out to the streams open in this process (server-sent events),
each with its own bounded queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterator

import asyncpg

log = logging.getLogger(__name__)
QUEUE_SIZE = 256
RECONNECT_DELAYS = (0.1, 0.5, 1, 2, 5, 10)  # then every 10 s until it is back
Callback = Callable[[str | None], None]


class Listener:
    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callback]] = {}
        self._pool: asyncpg.Pool | None = None
        self._conn: asyncpg.Connection | None = None

    async def start(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        await self._listen()

    async def stop(self) -> None:
        pool, conn = self._pool, self._conn
        self._pool = self._conn = None
        if pool is not None and conn is not None:
            conn.remove_termination_listener(self._lost)
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                for channel in self._callbacks:
                    await conn.remove_listener(channel, self._notified)
            await pool.release(conn)

    async def subscribe(self, channel: str, callback: Callback) -> None:
        """Call ``callback(payload)`` for every NOTIFY on ``channel`` from now on."""
        new = channel not in self._callbacks
        self._callbacks.setdefault(channel, []).append(callback)
        if new and self._conn is not None:
            await self._conn.add_listener(channel, self._notified)

    def unsubscribe(self, channel: str, callback: Callback) -> None:
        with contextlib.suppress(KeyError, ValueError):
            self._callbacks[channel].remove(callback)

    async def _listen(self) -> None:
        assert self._pool is not None
        conn = await self._pool.acquire()
        for channel in self._callbacks:
            await conn.add_listener(channel, self._notified)
        conn.add_termination_listener(self._lost)
        self._conn = conn

    def _notified(self, _conn: asyncpg.Connection, _pid: int, channel: str,
                  payload: str) -> None:
        self._tell(channel, payload)

    def _tell(self, channel: str, payload: str | None) -> None:
        for callback in list(self._callbacks.get(channel, ())):
            try:
                callback(payload)
            except Exception:  # one listener's bug must not silence the others
                log.exception("a listener of %s failed", channel)

    def _lost(self, _conn: asyncpg.Connection) -> None:
        log.warning("lost the listening connection; reconnecting")
        self._conn = None
        if self._pool is not None:
            asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        while self._pool is not None:
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            attempt += 1
            if self._pool is None:
                return
            try:
                await self._listen()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("reconnecting the listener failed (attempt %d): %s", attempt, exc)
                continue
            for channel in list(self._callbacks):
                self._tell(channel, None)
            return


class Broadcaster:
    """One channel fanned out to this process's streams; ``None`` tells a stream to reload."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._subscribers: set[asyncio.Queue[str | None]] = set()
        self._listener: Listener | None = None

    @property
    def running(self) -> bool:
        return self._listener is not None

    async def start(self, listener: Listener) -> None:
        self._listener = listener
        await listener.subscribe(self.channel, self._received)

    async def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.unsubscribe(self.channel, self._received)
        for queue in self._subscribers:
            self._offer(queue, None)

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

    def _received(self, payload: str | None) -> None:
        for queue in self._subscribers:
            self._offer(queue, payload)
