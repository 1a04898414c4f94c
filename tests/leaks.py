"""What a problem document must never tell a caller: server paths, SQL, stack traces, library
internals or their documentation links. The suite records every problem it provokes (see
conftest.py) and fails when one of them leaks."""

from __future__ import annotations

import re
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response

from gis_core.settings import PROJECT_ROOT

LEAKS: dict[str, re.Pattern[str]] = {
    "a server path": re.compile(
        r"(?<![\w.])/(?:tmp|var|usr|home|root|work|etc|opt|srv|proc)/|site-packages|\.py\b"),
    "SQL": re.compile(r"\b(?:SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|"
                      r"ALTER TABLE|SQLSTATE)\b|\b(?:asyncpg|psycopg|sqlalchemy)\b"),
    "a stack trace": re.compile(r"Traceback|File \"|line \d+, in "),
    "a URL": re.compile(r"https?://(?!www\.opengis\.net/def/)"),  # CRS URIs are names
    "a Python repr": re.compile(r"<\w+(?:\.\w+)+ object at 0x|\w+Error\("),
}


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def leaks(problem: dict[str, object]) -> list[str]:
    """What ``problem`` gives away, one phrase per finding; empty when it is clean."""
    found = []
    members = {k: v for k, v in problem.items()
               if k not in ("type", "instance")}  # ``instance`` echoes the request path
    for text in _texts(members):
        if str(PROJECT_ROOT) in text:
            found.append(f"the project folder in {text[:120]!r}")
        found += [f"{what} in {text[:120]!r}" for what, pattern in LEAKS.items()
                  if pattern.search(text)]
    return found


class ProblemRecorder:
    """Wraps ``api.errors.problem_response`` for the whole session: counts every problem the
    suite provokes and keeps the ones that leak."""

    def __init__(self) -> None:
        self.count = 0
        self.leaky: list[tuple[str, list[str]]] = []

    def install(self) -> None:
        from api import errors

        respond = errors.problem_response

        def recording(problem: errors.Problem, request: Request) -> Response:
            self.count += 1
            found = leaks(problem.body(request.url.path))
            if found:
                self.leaky.append((f"{request.method} {request.url.path}", found))
            return respond(problem, request)

        errors.problem_response = recording

    def report(self) -> str:
        lines = [f"{len(self.leaky)} of {self.count} problem documents gave away internals:"]
        lines += [f"  {where}: {'; '.join(found)}" for where, found in self.leaky[:50]]
        return "\n".join(lines)
