"""HTTP phases against the running server (aiohttp, keep-alive, 127.0.0.1 only).

Each of the ``concurrency`` callers has its own session of one keep-alive connection, so a
caller always talks to the same server worker; ``broadcast`` sends a list of paths through
every caller, which puts each tile into the cache of every worker."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
import zlib
from collections.abc import Iterable

import aiohttp

from bench.measure import Phase, Sample, drive
from bench.workload import Tile, items_path, random_bboxes, tile_path

NUMBER_RETURNED = re.compile(rb'"numberReturned":(\d+)')
HEAD_BYTES = 4096


def number_returned(body: bytes, encoding: str | None) -> int:
    """``numberReturned`` of a GeoJSON response (0 for anything else), reading only its head."""
    head = body[:HEAD_BYTES]
    if encoding == "gzip":
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(body, HEAD_BYTES)
    found = NUMBER_RETURNED.search(head)
    return int(found.group(1)) if found else 0


def _session() -> aiohttp.ClientSession:
    # Bodies are read but not decompressed: the client shares the two cores with the server.
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1), auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=120))


class Client:
    def __init__(self, base: str, concurrency: int, accept_encoding: str) -> None:
        self.base = base
        self.concurrency = concurrency
        self.headers = {"Accept-Encoding": accept_encoding}
        self.etags: dict[str, str] = {}
        self._sessions: list[aiohttp.ClientSession] = []

    async def __aenter__(self) -> Client:
        self._sessions = [_session() for _ in range(self.concurrency)]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await asyncio.gather(*(session.close() for session in self._sessions))

    async def get(self, path: str, caller: int, revalidate: bool = False,
                  encoding: str | None = None) -> Sample:
        headers = dict(self.headers)
        if encoding:
            headers["Accept-Encoding"] = encoding
        if revalidate and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        started = time.perf_counter()
        try:
            async with self._sessions[caller].get(self.base + path, headers=headers) as response:
                body = await response.read()
                status, etag = response.status, response.headers.get("ETag")
                content_encoding = response.headers.get("Content-Encoding")
        except (aiohttp.ClientError, TimeoutError):
            return Sample(time.perf_counter() - started, 0, 0)
        elapsed = time.perf_counter() - started
        if etag:
            self.etags[path] = etag
        items = number_returned(body, content_encoding) if "/items?" in path else 0
        return Sample(elapsed, status, len(body), items)

    async def items(self, layer_id: str, seconds: float, seed: int) -> Phase:
        paths = (items_path(layer_id, bbox) for bbox in random_bboxes(seed))
        return await drive(f"items {layer_id}", paths, self.get, self.concurrency, seconds)

    async def tiles(self, name: str, paths: Iterable[str], seconds: float,
                    revalidate: bool = False) -> Phase:
        async def call(path: str, caller: int) -> Sample:
            return await self.get(path, caller, revalidate)

        return await drive(name, paths, call, self.concurrency, seconds)

    async def broadcast(self, paths: list[str]) -> None:
        """Every path through every caller (and so into every worker's cache). Asks for
        uncompressed responses: the cache holds raw tiles whatever the encoding."""
        async def one_caller(caller: int) -> None:
            for path in paths:
                await self.get(path, caller, encoding="identity")

        await asyncio.gather(*(one_caller(i) for i in range(self.concurrency)))


def layer_tile_paths(layer_id: str, tiles: list[Tile]) -> list[str]:
    return [tile_path(layer_id, tile) for tile in tiles]


def rounds(paths: list[str], count: int) -> Iterable[str]:
    """``paths`` ``count`` times over (each round in the same order)."""
    return itertools.chain.from_iterable(itertools.repeat(paths, count))
