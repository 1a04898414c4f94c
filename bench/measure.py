"""A closed-loop load generator (``concurrency`` callers, each sending its next request as
soon as the previous one is answered) and the statistics of one phase."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

J = TypeVar("J")


@dataclass(frozen=True)
class Sample:
    seconds: float
    status: int  # HTTP status; 0 for a client-side error, 200 for a SQL call that succeeded
    size: int  # response bytes (as received)
    items: int = 0  # features returned (items requests)


@dataclass
class Phase:
    name: str
    samples: list[Sample] = field(default_factory=list)
    wall_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    # Statuses that are answers, not errors (e.g. 422 "no safe route" from evacuation routing).
    answers: frozenset[int] = frozenset({200, 204, 304})

    def summary(self) -> dict[str, Any]:
        return summarise(self)


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def summarise(phase: Phase) -> dict[str, Any]:
    n = len(phase.samples)
    wall = phase.wall_seconds or float("nan")
    latencies = sorted(s.seconds * 1000 for s in phase.samples)
    statuses = Counter(s.status for s in phase.samples)
    return {
        "name": phase.name,
        "requests": n,
        "seconds": round(phase.wall_seconds, 3),
        "per_second": round(n / wall, 1),
        "items_per_second": round(sum(s.items for s in phase.samples) / wall, 1),
        "mbytes_per_second": round(sum(s.size for s in phase.samples) / wall / 1e6, 2),
        "mean_bytes": round(statistics.fmean(s.size for s in phase.samples)) if n else 0,
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "errors": sum(count for status, count in statuses.items()
                      if status not in phase.answers),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "client_cpu_seconds": round(phase.client_cpu_seconds, 2),
    }


Call = Callable[[J, int], Awaitable[Sample]]  # (job, caller index) -> sample


async def _caller(index: int, jobs: Iterator[J], deadline: float, call: Call[J],
                  out: list[Sample]) -> None:
    for job in jobs:  # a shared iterator: each job is taken by exactly one caller
        if time.perf_counter() >= deadline:
            return
        out.append(await call(job, index))


async def drive(name: str, jobs: Iterable[J], call: Call[J], concurrency: int,
                max_seconds: float) -> Phase:
    """Run ``call`` over ``jobs`` with ``concurrency`` callers until the jobs run out or
    ``max_seconds`` have passed (requests under way are finished and counted)."""
    phase = Phase(name)
    shared = iter(jobs)
    cpu0, started = time.process_time(), time.perf_counter()
    deadline = started + max_seconds
    await asyncio.gather(*(_caller(i, shared, deadline, call, phase.samples)
                           for i in range(concurrency)))
    phase.wall_seconds = time.perf_counter() - started
    phase.client_cpu_seconds = time.process_time() - cpu0
    return phase
