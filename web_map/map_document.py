"""An offline folium map as one self-contained HTML document, safe with hostile data.

Two traps of folium (0.20, with branca 0.8) decide how data goes in and the document comes out:

- Leaflet shows tooltips, layer names and the attribution with ``innerHTML``: every string of
  data is given as HTML text (``html_text``).
- branca compiles each rendered part of the map again as a Jinja template when it renders the
  whole figure, so ``{{ … }}`` in data would run on the server. Data braces become character
  references, and the document is assembled here from the rendered parts, never rendered
  again.

The document's inline scripts and styles are allowed by their hashes in the policy sent with
it: it must stay one file that works offline (``citygis export-map`` writes it; officers save
it), and one request renders one snapshot of the data, so an extracted script could not be a
second request without rendering the map twice and keeping folium's random element ids equal.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from numbers import Number
from typing import Any, ClassVar

import folium
import orjson
from branca.element import Element, MacroElement
from jinja2 import Template

from api.security_headers import content_security_policy
from gis_core.settings import PROJECT_ROOT

LEAFLET_DIST = PROJECT_ROOT / "node_modules" / "leaflet" / "dist"
# What folium's page header would give (dropped: it has inline styles, scripts and CDN links),
# and the heading and main landmark around the map.
DOCUMENT_CSS = """
html, body {width: 100%; height: 100%; margin: 0; padding: 0}
.folium-map {position: relative; width: 100%; height: 100%}
.leaflet-container {font-size: 1rem}
.foliumtooltip table {margin: auto}
.foliumtooltip tr {text-align: left}
.foliumtooltip th {padding: 2px 8px 2px 2px}
.map-header {padding: 4px 12px; font-family: sans-serif; height: 2.5rem}
.map-header h1 {font-size: 1.2rem; margin: 4px 0}
.map-main {position: absolute; top: 3rem; bottom: 0; left: 0; right: 0}
"""


class AssetsMissing(FileNotFoundError):
    """Leaflet's files are not installed (run ``make``, which runs ``npm ci``)."""


class OfflineMap(folium.Map):
    """A folium map with no CDN assets: Leaflet is inlined by ``map_document``."""

    default_js: ClassVar[list[tuple[str, str]]] = []
    default_css: ClassVar[list[tuple[str, str]]] = []


@dataclass(frozen=True)
class MapDocument:
    html: str
    policy: str  # the Content-Security-Policy that lets exactly its inline scripts and styles


def html_text(value: object) -> str:
    """Data as HTML text that no Jinja template can read as its own syntax."""
    return html.escape(str(value)).replace("{", "&#123;").replace("}", "&#125;")


def shown(value: Any) -> Any:
    """A property as a tooltip shows it: numbers stay numbers, anything else is HTML text."""
    if value is None or isinstance(value, Number):
        return value
    return html_text(value if isinstance(value, str) else orjson.dumps(value).decode())


def displayed(features: Iterable[dict[str, Any]], names: Sequence[str]) -> dict[str, Any]:
    """A feature collection of only the properties the map uses (tooltips, styles), shown."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": feature["geometry"],
         "properties": {name: shown(feature["properties"].get(name)) for name in names}}
        for feature in features]}


def leaflet() -> tuple[str, str]:
    """Leaflet's script and stylesheet, its images inlined as data: URIs."""
    script, style = LEAFLET_DIST / "leaflet.js", LEAFLET_DIST / "leaflet.css"
    if not script.is_file() or not style.is_file():
        raise AssetsMissing(f"{LEAFLET_DIST} is missing: run make (npm ci) first")

    def data_uri(match: re.Match[str]) -> str:
        image = LEAFLET_DIST / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode()
        return f"url(data:image/png;base64,{encoded})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, style.read_text())
    return script.read_text(), css


def _rendered(parts: Element) -> str:
    """What the map's elements put in one part of the page, as they rendered it (branca keeps
    it as the source of a template it would render again)."""
    return "".join(child._template_str or "" for child in parts._children.values())


def _inline(tag: str, content: str) -> str:
    if f"</{tag}" in content.lower():
        raise ValueError(f"an inline <{tag}> would end early")
    return f"<{tag}>{content}</{tag}>"


def map_document(fmap: folium.Map, title: str, attribution: str, css: str = "",
                 legend: str = "") -> MapDocument:
    """The page: the map with the attribution (data), a heading, and a legend (markup)."""
    Attribution(attribution).add_to(fmap)
    fmap.render()
    root = fmap.get_root()
    body, script = _rendered(root.html), _rendered(root.script)
    leaflet_js, leaflet_css = leaflet()
    style = leaflet_css + DOCUMENT_CSS + css
    heading = html.escape(title)
    document = (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{heading}</title>\n{_inline('style', style)}\n{_inline('script', leaflet_js)}\n"
        f'</head>\n<body>\n<header class="map-header"><h1>{heading}</h1></header>\n'
        f'<main class="map-main">\n{body}\n{legend}\n</main>\n{_inline("script", script)}\n'
        "</body>\n</html>\n")
    return MapDocument(document, content_security_policy([leaflet_js, script], [style]))


class Attribution(MacroElement):
    """The sources and licenses of the layers, in Leaflet's attribution control."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
        "{% endmacro %}"
    )

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Attribution"
        self.text = html_text(text)
