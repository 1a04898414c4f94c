"""The citizens' map budget (issue "Citizens' web map", item 10): first meaningful map in under
2 s with a warm server, and under 1.5 MB of JS+CSS transferred.

    python -m bench.web_budget [--loads 10] [--workers 1] [--page map|yoyaku|chusen]

Starts ``citygis serve`` on the city database, loads ``/`` once to warm the server, then
``--loads`` times in a fresh browser context each (an empty browser cache: a first visit) in
Debian's Chromium. "First meaningful map" is the time from navigation start until the map has
drawn features of the city (``window.citygisReady``: the first MapLibre ``idle`` with rendered
features). Bytes are as transferred (compressed), from the Resource Timing API.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Any

from bench.measure import percentile
from bench.report import RESULTS_DIR, machine, write_json
from bench.server import Server
from gis_core.database import database_url
from gis_core.settings import get_settings
from tests.browser import chromium

TARGET_MS = 2000
TARGET_BYTES = 1_500_000
MEASURE = """() => {
  const entries = performance.getEntriesByType('resource');
  const code = entries.filter((e) => /\\.(m?js|css)(\\?|$)/.test(e.name));
  return {ready_ms: window.citygisReadyAt,
          js_css_bytes: code.reduce((sum, e) => sum + e.transferSize, 0),
          all_bytes: entries.reduce((sum, e) => sum + e.transferSize, 0)
                     + performance.getEntriesByType('navigation')[0].transferSize,
          requests: entries.length};
}"""
READY = """(flag) => new Promise((resolve) => {
  const check = () => window[flag] ? resolve(performance.now()) : setTimeout(check, 10);
  check();
})"""
PAGES = {  # --page → (path, the flag the page sets when it is usable)
    "map": ("/", "citygisReady"),  # the first idle with the city's features drawn
    "yoyaku": ("/yoyaku", "citygisBookingReady"),  # free rooms of tomorrow listed
    "chusen": ("/yoyaku/chusen", "citygisLotteryReady"),  # rounds and the form shown
}


def one_load(browser: Any, url: str, flag: str) -> dict[str, Any]:
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(url)
        ready = page.evaluate(READY, flag)
        page.evaluate(f"window.citygisReadyAt = {ready}")
        return page.evaluate(MEASURE)
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.web_budget", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loads", type=int, default=10)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--page", choices=sorted(PAGES), default="map")
    args = p.parse_args(argv)
    path, flag = PAGES[args.page]
    url = database_url(get_settings())
    with Server(url, args.workers, 256 * 2**20, RESULTS_DIR / "server-web-budget.log",
                layer_modules=(), ready_path="/collections") as server, \
            chromium() as browser:
        one_load(browser, server.base + path, flag)  # warms the server: tiles, caches
        loads = [one_load(browser, server.base + path, flag) for _ in range(args.loads)]
    times = sorted(load["ready_ms"] for load in loads)
    summary = {
        "first_map_median_ms": round(statistics.median(times)),
        "first_map_p95_ms": round(percentile(times, 95)),
        "js_css_bytes": loads[0]["js_css_bytes"], "all_bytes": loads[0]["all_bytes"],
        "requests": loads[0]["requests"],
    }
    print(f"{args.page}: first usable page: median {summary['first_map_median_ms']} ms, "
          f"p95 {summary['first_map_p95_ms']} ms (target < {TARGET_MS} ms) — "
          f"{'ok' if summary['first_map_p95_ms'] < TARGET_MS else 'MISSED'}")
    print(f"JS+CSS transferred: {summary['js_css_bytes'] / 1e6:.3f} MB "
          f"(target < {TARGET_BYTES / 1e6} MB) — "
          f"{'ok' if summary['js_css_bytes'] < TARGET_BYTES else 'MISSED'}; everything: "
          f"{summary['all_bytes'] / 1e6:.3f} MB in {summary['requests']} requests")
    print(f"wrote {write_json({'machine': machine(), 'options': vars(args), **summary})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
