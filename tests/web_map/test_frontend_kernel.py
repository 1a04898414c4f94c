"""The front-end kernel stays the only home of the pages' small helpers (issue 13):
web_map/static/lib/ (dom, http, i18n, time…) is what every page imports; no page defines its
own el(), $, getJson, formatDateTime… again, nor imports another page's modules; every page
template extends base.html, whose one import map the Content-Security-Policy allows by its
hash. Plain Python: it reads the files, no browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.security_headers import inline_source
from web_map.pages import IMPORT_MAP, PAGE_POLICY, templates

WEB_MAP = Path(__file__).resolve().parents[2] / "web_map"
STATIC = WEB_MAP / "static"
LIB = STATIC / "lib"
TEMPLATES = WEB_MAP / "templates"
NPM_PACKAGES = {"maplibre-gl", "terra-draw", "terra-draw-maplibre-gl-adapter"}

# What lib/ provides: a page that defines one of these itself has made a twin.
KERNEL_NAMES = ("el", "\\$", "button", "announce", "escapeHtml", "getJson", "sendJson",
                "currentUser", "csrfHeaders", "problemText", "busy", "submitting", "ApiError",
                "t", "lang", "pick", "setLang", "translatePage", "installLangSwitch",
                "registerMessages", "addMessages", "formatNumber", "formatDate", "formatDay",
                "formatTime", "formatDateTime", "formatPeriod", "formatTimeRange",
                "formatDayAndTime", "formatDateTimeRange", "japanDay", "japanDayOf", "dayOf",
                "addDays", "japanIso", "sha256Hex", "hexBytes", "cityBounds", "maplibreLocale")
NAMES = "|".join(KERNEL_NAMES)
DEFINITION = re.compile(
    rf"(?:^|[^\w$.])(?:(?:async\s+)?function\s*\*?\s*(?P<function>{NAMES})\s*\("
    rf"|(?:const|let|var)\s+(?P<variable>{NAMES})\s*="
    rf"|class\s+(?P<class>{NAMES})\b)", re.MULTILINE)
# What only lib/ may touch: the Japan-time arithmetic and formats, the remembered language, the
# CSRF header, HTML from strings, and the MapLibre worker.
KERNEL_ONLY = {
    "Intl.DateTimeFormat": "date formats are lib/time.js",
    "Asia/Tokyo": "Japan time is lib/time.js",
    "+09:00": "Japan time is lib/time.js",
    "9 * 3600": "Japan time is lib/time.js",
    "localStorage": "the remembered language is lib/i18n.js",
    "X-CSRF-Token": "the CSRF header is lib/http.js",
    "innerHTML": "never HTML from data: lib/dom.js builds elements",
    "insertAdjacentHTML": "never HTML from data: lib/dom.js builds elements",
    "setWorkerUrl": "MapLibre is set up in lib/maplibre.js",
}
IMPORT = re.compile(r"""(?:\bimport\s*(?:[\w*{}\s,$]+\s*from\s*)?|\bimport\s*\(\s*)"""
                    r"""['"](?P<spec>[^'"]+)['"]""")


def page_modules() -> list[Path]:
    return sorted(p for p in STATIC.rglob("*.js") if LIB not in p.parents)


def relative(path: Path) -> str:
    return str(path.relative_to(STATIC))


def twins(source: str) -> list[str]:
    return [next(name for name in match.groups() if name) for match in DEFINITION.finditer(source)]


def import_problem(module: Path, specifier: str) -> str | None:
    """Why a page module may not import this, or None: only lib/, npm packages and modules of
    its own folder."""
    if specifier.startswith("lib/") or specifier in NPM_PACKAGES:
        return None
    if specifier.startswith("./") and "/" not in specifier[2:]:
        return None
    if specifier.startswith("../") or specifier.startswith("/"):
        return "another page's folder, or a path the import map names: import from lib/"
    return "neither lib/, an npm package of the import map, nor this page's own module"


def test_the_kernel_exists_and_pages_use_it() -> None:
    assert {p.name for p in LIB.glob("*.js")} >= {"dom.js", "http.js", "i18n.js", "time.js"}
    for module in page_modules():
        if module.name == "messages.js":
            continue  # a page's texts: registerMessages only
        imports = [m["spec"] for m in IMPORT.finditer(module.read_text(encoding="utf-8"))]
        assert any(s.startswith("lib/") for s in imports), f"{relative(module)} uses no lib/"


@pytest.mark.parametrize("module", page_modules(), ids=relative)
def test_no_page_defines_a_helper_of_the_kernel(module: Path) -> None:
    found = twins(module.read_text(encoding="utf-8"))
    assert found == [], f"{relative(module)} defines {found}: import them from lib/ instead"


@pytest.mark.parametrize("module", page_modules(), ids=relative)
def test_only_the_kernel_touches_time_zones_storage_csrf_and_html(module: Path) -> None:
    source = module.read_text(encoding="utf-8")
    found = {text: why for text, why in KERNEL_ONLY.items() if text in source}
    assert found == {}, f"{relative(module)}: {found}"


@pytest.mark.parametrize("module", page_modules(), ids=relative)
def test_pages_import_only_the_kernel_npm_and_their_own_folder(module: Path) -> None:
    source = module.read_text(encoding="utf-8")
    problems = {m["spec"]: import_problem(module, m["spec"]) for m in IMPORT.finditer(source)}
    assert {s: why for s, why in problems.items() if why} == {}, relative(module)


def test_the_kernel_imports_only_itself_and_npm() -> None:
    for module in LIB.glob("*.js"):
        for match in IMPORT.finditer(module.read_text(encoding="utf-8")):
            spec = match["spec"]
            assert spec in NPM_PACKAGES or re.fullmatch(r"\./[\w-]+\.js", spec), (module.name, spec)


def test_the_checks_see_a_twin() -> None:
    assert twins("const $ = (id) => document.getElementById(id);") == ["$"]
    assert twins("export async function getJson(url) {") == ["getJson"]
    assert twins("  function el(tag, props = {}, ...children) {") == ["el"]
    assert twins("this.el(x); const element = 1; function eli() {}") == []
    assert import_problem(STATIC / "kanri" / "kanri.js", "../editor/api.js")
    assert import_problem(STATIC / "map.js", "/vendor/maplibre-gl/maplibre-gl.mjs")
    assert import_problem(STATIC / "kanri" / "kanri.js", "./lottery.js") is None


# --- the templates ----------------------------------------------------------------------------

def page_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.glob("*.html")
                  if p.name != "base.html" and not p.name.startswith("_"))


@pytest.mark.parametrize("template", page_templates(), ids=lambda p: p.name)
def test_every_page_template_extends_the_base(template: Path) -> None:
    source = template.read_text(encoding="utf-8")
    assert re.search(r"""{%-?\s*extends\s+["']base\.html["']\s*-?%}""", source), template.name
    assert not re.search(r"<head[\s>]", source) and "importmap" not in source, template.name
    inline = re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", source)
    assert inline == [], f"{template.name}: inline scripts the policy would refuse"


@pytest.mark.parametrize("template", page_templates(), ids=lambda p: p.name)
def test_a_page_links_only_the_kernel_and_its_own_folder(template: Path) -> None:
    """Its stylesheets and script: /static/lib/ or the folder of the page's own script."""
    source = template.read_text(encoding="utf-8")
    script = re.search(r"""set script = ["']/static/([^"']+)["']""", source)
    own = str(Path(script[1]).parent) if script else None
    for url in re.findall(r"""["'](/static/[^"']+)["']""", source):
        folder = str(Path(url.removeprefix("/static/")).parent)
        assert folder in ("lib", own), f"{template.name} links {url}"


def test_the_import_map_is_one_static_block_whose_hash_the_policy_allows() -> None:
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert base.count('<script type="importmap">') == 1
    rendered = templates.env.get_template("base.html").render()
    block = re.search(r'<script type="importmap">(.*?)</script>', rendered, re.DOTALL)
    assert block and block[1] == IMPORT_MAP
    assert inline_source(block[1]) in PAGE_POLICY
    assert '"lib/": "/static/lib/"' in IMPORT_MAP
