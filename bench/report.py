"""The figures: a table on stdout, ratios against the targets, JSON under bench/results/."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_UNCACHED_OVER_FLOOR = 1.0
TARGET_CACHED_OVER_UNCACHED = 20.0
HEADER = (f"{'phase':<34} {'wk':>2} {'req':>6} {'req/s':>8} {'feat/s':>9} {'MB/s':>7} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'err':>4} {'cli cpu':>7}")


def row(summary: dict[str, Any], workers: int | str) -> str:
    s = summary
    return (f"{s['name']:<34} {workers!s:>2} {s['requests']:>6} {s['per_second']:>8.1f} "
            f"{s['items_per_second']:>9.0f} {s['mbytes_per_second']:>7.1f} {s['p50_ms']:>8.1f} "
            f"{s['p95_ms']:>8.1f} {s['p99_ms']:>8.1f} {s['errors']:>4} "
            f"{s['client_cpu_seconds']:>7.1f}")


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else float("nan")


def ratios(floor: dict[int, dict[str, dict[str, Any]]], phases: dict[str, dict[str, Any]],
           layer_ids: list[str]) -> dict[str, dict[str, float]]:
    """Per layer: uncached / SQL floor (at each connection count), cached / uncached and
    304 / uncached (requests/s). The first floor is the target's reference."""
    found = {}
    for layer_id in layer_ids:
        uncached = phases[f"tiles uncached {layer_id}"]["per_second"]
        found[layer_id] = {
            **{f"uncached_over_floor_{n}c": ratio(uncached, by_layer[layer_id]["per_second"])
               for n, by_layer in floor.items()},
            "cached_over_uncached": ratio(phases[f"tiles cached {layer_id}"]["per_second"],
                                          uncached),
            "not_modified_over_uncached": ratio(
                phases[f"tiles 304 {layer_id}"]["per_second"], uncached),
        }
    return found


def verdict(value: float, target: float) -> str:
    return f"({'ok' if value >= target else 'MISSED'} ≥ {target:g}×)"


def ratio_lines(workers: int, found: dict[str, dict[str, float]]) -> list[str]:
    lines = []
    for layer_id, r in found.items():
        floors = [(key.removeprefix("uncached_over_floor_"), value)
                  for key, value in r.items() if key.startswith("uncached_over_floor_")]
        reference, others = floors[0], floors[1:]
        cached = r["cached_over_uncached"]
        lines.append(
            f"  workers={workers} {layer_id:<15} uncached/floor@{reference[0]} "
            f"{reference[1]:>5.2f}× {verdict(reference[1], TARGET_UNCACHED_OVER_FLOOR)}"
            + "".join(f"   uncached/floor@{n} {v:>5.2f}×" for n, v in others)
            + f"   cached/uncached {cached:>6.1f}× {verdict(cached, TARGET_CACHED_OVER_UNCACHED)}"
            f"   304/uncached {r['not_modified_over_uncached']:>6.1f}×")
    return lines


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


def write_json(document: dict[str, Any], prefix: str = "bench") -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
