"""Pages in a real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

``BrowserPage`` records what a person's browser would reveal: requests leaving 127.0.0.1
(blocked: the product works offline), console errors and uncaught exceptions; ``axe`` runs
axe-core (WCAG 2.1 A/AA) from node_modules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gis_core.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@dataclass
class Watch:
    external: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _watch(page: Any) -> Watch:
    seen = Watch()

    def route(route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            route.continue_()
        else:
            seen.external.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))
    return seen


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def browser_page(browser: Any, **context_options: Any) -> Iterator[tuple[Any, Watch]]:
    """A page of a new context. Playwright's ``wait_for_function`` evaluates its predicate with
    ``eval``, which the pages' Content-Security-Policy forbids: the policy is bypassed unless
    ``bypass_csp=False`` (tests of the policy itself, tests/api/test_security_headers.py)."""
    context_options.setdefault("bypass_csp", True)
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", **context_options)
    page = context.new_page()
    seen = _watch(page)
    try:
        yield page, seen
    finally:
        context.close()


def serious_axe_violations(page: Any) -> list[dict[str, Any]]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # not a <script>, which CSP would refuse
    result = page.evaluate(
        "async () => JSON.stringify(await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}))"
    )
    violations = json.loads(result)["violations"]
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in violations if v["impact"] in ("serious", "critical")]


def in_db(url: Any, action: Any) -> Any:
    """``run_db`` in its own thread: Playwright's sync API keeps an event loop on this one."""
    from tests.helpers import run_db

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run_db, url, action).result()
