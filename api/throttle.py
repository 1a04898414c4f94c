"""Per-key sliding-window limits (failed logins per address, reports per address). In the
memory of one worker: with N workers a client gets at most N × the limit."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class SlidingWindow:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def full(self, key: str) -> bool:
        hits = self._hits[key]
        while hits and hits[0] < time.monotonic() - self.window_s:
            hits.popleft()
        return len(hits) >= self.limit

    def hit(self, key: str) -> None:
        self._hits[key].append(time.monotonic())
