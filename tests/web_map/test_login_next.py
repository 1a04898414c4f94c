"""After login the browser goes to ``next`` only when it is a path on this site, read as a
browser reads it: encoded tabs, backslashes and the like never lead off-site."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from web_map.editor import safe_next

OFF_SITE = ["//evil.example", "/\\evil.example", "\\\\evil.example", "/\t/evil.example",
            "/\n/evil.example", "/\r\n/evil.example", "\t//evil.example", "https://evil.example",
            "javascript:alert(1)", " /evil.example", "/\\/evil.example", "/\x00/evil.example",
            "evil.example", "/%09/evil.example".replace("%09", "\t")]
ON_SITE = {"/yoyaku": "/yoyaku", "/yoyaku?room=3#day": "/yoyaku?room=3#day",
           "/editor/../kanri": "/kanri", "/%2F%2Fevil.example": "/%2F%2Fevil.example"}


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back_to_the_default(target: str) -> None:
    assert safe_next(target) == "/editor"


@pytest.mark.parametrize("target", ON_SITE)
def test_paths_on_this_site_are_kept(target: str) -> None:
    assert safe_next(target) == ON_SITE[target]


@pytest.mark.parametrize("encoded", ["/%5Cevil.example", "/%09/evil.example",
                                     "/%0A/evil.example", "%2F%2Fevil.example",
                                     "/%5C%5Cevil.example", "https:%2F%2Fevil.example"])
def test_the_login_page_never_hands_an_encoded_off_site_target_to_its_script(
        http: httpx.Client, encoded: str) -> None:
    page = http.get(f"/login?next={encoded}")
    assert page.status_code == 200
    target = html.unescape(re.search(r'data-next="([^"]*)"', page.text)[1])
    assert target == "/editor"
