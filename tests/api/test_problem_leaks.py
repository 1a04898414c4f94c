"""The detector of internals in problem documents, and the errors that used to leak."""

from __future__ import annotations

import httpx
import pytest

from gis_core.settings import PROJECT_ROOT
from tests.leaks import leaks


def _problem(detail: str) -> dict[str, object]:
    return {"type": "/problems/x", "title": "Bad request", "status": 400, "detail": detail,
            "instance": "/tmp/echoed-path-is-fine", "invalid-params": [{"name": "f",
                                                                         "reason": detail}]}


@pytest.mark.parametrize("detail", [
    "cannot open /tmp/import-abc/upload.gpkg",
    f"failed in {PROJECT_ROOT}/var/rasters/x.tif",
    'INSERT INTO layer_x (geom) VALUES ($1) failed',
    "asyncpg.exceptions.DataError: invalid input",
    'Traceback (most recent call last):\n  File "x", line 3, in f',
    "For further information visit https://errors.pydantic.dev/2.9/v/int_parsing",
    "ValueError('bad')",
])
def test_internals_are_found(detail: str) -> None:
    assert leaks(_problem(detail))


@pytest.mark.parametrize("detail", [
    "roomId must be a whole number",
    "lon 0.5 is outside the area this service covers (longitude 139.29 to 139.55)",
    "row 3: the geometry is not valid (Self-intersection at 139.43, 35.75)",
    "選択された施設は満室です",
])
def test_plain_reasons_pass(detail: str) -> None:
    assert leaks(_problem(detail)) == []


@pytest.mark.parametrize("path", [
    "/rooms/abc", "/rooms/99999999999999999999999", "/collections/shelters/items/1e400",
    "/evacuation/isochrones?shelter=abc", "/collections/shelters/items/99999999999999999999",
])
def test_bad_ids_answer_in_plain_words(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code in (400, 404)
    problem = response.json()
    assert problem["invalid-params"][0]["name"] in ("roomId", "featureId", "shelter")
    assert leaks(problem) == []
    assert "Input should" not in problem["detail"]  # pydantic's words, not ours
